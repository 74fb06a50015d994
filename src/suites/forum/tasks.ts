// Task templates of the forum site: information and navigation templates (tasks-read.ts) and
// state-changing ones (tasks-state.ts), each with an expert and a plausible wrong ending.

import type { TaskTemplate } from '../template.js';
import { readTemplates } from './tasks-read.js';
import { stateTemplates } from './tasks-state.js';

export const forumTemplates: TaskTemplate[] = [...readTemplates, ...stateTemplates];
