// Trajectories as TRL/verl-style chat records: one record per turn, the prompt's messages plus
// the reply, with the trajectory's reward (and advantage), for training outside this package.

import { OptionsError } from '../errors.js';
import type { Trajectory, TurnMessage } from './trajectory.js';

/** One turn as a TRL/verl-style chat record: the prompt's messages plus the reply. */
export interface ChatRecord {
  readonly messages: TurnMessage[];
  readonly reward: number;
  readonly advantage?: number;
  readonly task_id: string;
  readonly group_id: string;
  /** 0-based index of the turn in its trajectory. */
  readonly turn: number;
}

/**
 * One chat record per turn: `[...turn.prompt, {role: 'assistant', content: turn.text}]` with the
 * trajectory's reward (and advantage, when `advantages` by trajectory index is given). Every turn
 * must carry its `prompt` messages.
 */
export function toChatRecords(trajectories: readonly Trajectory[], advantages?: ArrayLike<number>): ChatRecord[] {
  if (advantages !== undefined && advantages.length !== trajectories.length) throw new OptionsError(`toChatRecords: ${advantages.length} advantages for ${trajectories.length} trajectories (one per trajectory)`);
  const out: ChatRecord[] = [];
  trajectories.forEach((t, i) => {
    t.turns.forEach((turn, j) => {
      if (!turn.prompt) throw new OptionsError(`toChatRecords: trajectory ${i} (task "${t.taskId}") turns[${j}] has no prompt messages to export`);
      out.push({
        messages: [...turn.prompt, { role: 'assistant', content: turn.text }],
        reward: t.reward,
        ...(advantages !== undefined ? { advantage: advantages[i]! } : {}),
        task_id: t.taskId,
        group_id: t.groupId,
        turn: j,
      });
    });
  });
  return out;
}
