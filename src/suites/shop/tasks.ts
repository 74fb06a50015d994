// Task templates of the shop site. (Placeholder: replaced when the site is built.)

import type { TaskTemplate } from '../template.js';

export const shopTemplates: TaskTemplate[] = [];
