// Task templates of the code site. (Placeholder: replaced when the site is built.)

import type { TaskTemplate } from '../template.js';

export const codeTemplates: TaskTemplate[] = [];
