// Task templates of the map site. (Placeholder: replaced when the site is built.)

import type { TaskTemplate } from '../template.js';

export const mapTemplates: TaskTemplate[] = [];
