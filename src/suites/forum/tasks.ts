// Task templates of the forum site. (Placeholder: replaced when the site is built.)

import type { TaskTemplate } from '../template.js';

export const forumTemplates: TaskTemplate[] = [];
