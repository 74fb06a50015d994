// Task templates of the admin site. (Placeholder: replaced when the site is built.)

import type { TaskTemplate } from '../template.js';

export const adminTemplates: TaskTemplate[] = [];
