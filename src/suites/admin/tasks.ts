// Task templates of the admin site (the shop's back office): info and navigation templates,
// state-changing templates, and the held-out (test-unseen) ones, in one exported list.

import type { TaskTemplate } from '../template.js';
import { infoTemplates } from './tasks-info.js';
import { stateTemplates } from './tasks-state.js';
import { unseenTemplates } from './tasks-unseen.js';

export const adminTemplates: TaskTemplate[] = [...infoTemplates, ...stateTemplates, ...unseenTemplates];
