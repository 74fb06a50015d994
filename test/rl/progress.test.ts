// Tests for the progress display (src/rl/progress.ts) without a terminal: lines every 10% with
// elapsed time and ETA, and listeners removed on detach.

import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { EventEmitter } from 'eventemitter3';
import type { MultiTurnGRPO } from '../../src/rl/grpo.js';
import { OptionsError } from '../../src/errors.js';
import { attachProgress, progressBar } from '../../src/rl/progress.js';

function sink(): { stream: NodeJS.WriteStream; lines: string[] } {
  const lines: string[] = [];
  const stream = { isTTY: false, write: (s: string) => { lines.push(s); return true; } } as unknown as NodeJS.WriteStream;
  return { stream, lines };
}

test('without a terminal: a line per 10% with elapsed and ETA, and the last one always', () => {
  const { stream, lines } = sink();
  const bar = progressBar(25, { label: 'bc', stream });
  for (let i = 1; i <= 25; i++) bar.update(i, `loss ${i}`);
  bar.stop();
  assert.equal(lines.length, 9); // every 3 units (ceil(25/10)) from 3 to 24, then 25
  assert.match(lines[0]!, /^bc 3\/25 \(12%\) \d+s elapsed, \d+s left \| loss 3\n$/);
  assert.match(lines.at(-1)!, /^bc 25\/25 \(100%\) .* 0s left \| loss 25\n$/);
});

test('a run past its estimated total prints the last line once, not once per step', () => {
  const { stream, lines } = sink();
  const trainer = new EventEmitter() as unknown as Parameters<typeof attachProgress>[0];
  const detach = attachProgress(trainer, 4, { label: 'bc', stream, every: 2 });
  for (let step = 1; step <= 9; step++) (trainer as unknown as EventEmitter).emit('step', { step, loss: 0.5 });
  detach();
  assert.deepEqual(lines.map((l) => l.split(' ')[1]), ['2/4', '4/4']);
});

test('attachProgress follows MultiTurnGRPO iterations and detaches', () => {
  const { stream, lines } = sink();
  const trainer = Object.assign(new EventEmitter(), { progress: { iteration: 0 } }) as unknown as MultiTurnGRPO;
  const detach = attachProgress(trainer, 2, { label: 'grpo', stream, every: 1 });
  trainer.emit('iteration-end', { iteration: 0, reward_mean: 0.25, kl: 0.001 } as never);
  assert.match(lines[0]!, /^grpo 1\/2 \(50%\) .*reward 0\.250 kl 1\.0e-3\n$/);
  detach();
  trainer.emit('iteration-end', { iteration: 1, reward_mean: 0.5, kl: 0 } as never);
  assert.equal(lines.length, 1);
  assert.equal((trainer as unknown as EventEmitter).listenerCount('iteration-end'), 0);
});

test('a time-budgeted run advances by elapsed seconds: its ETA is the budget left, and it stops at the budget', () => {
  let nowMs = 1_000;
  const now = mock.method(performance, 'now', () => nowMs);
  try {
    const { stream, lines } = sink();
    const trainer = new EventEmitter() as unknown as Parameters<typeof attachProgress>[0];
    const detach = attachProgress(trainer, { seconds: 100 }, { label: 'bc', stream });
    const step = (atS: number, n: number): void => {
      nowMs = 1_000 + atS * 1000;
      (trainer as unknown as EventEmitter).emit('step', { step: n, loss: 0.25 });
    };
    step(5, 1); // 5 s: under the 10 s between lines
    step(12, 2);
    step(150, 3); // past the budget (the step in flight when it ran out): clamped to 100
    step(160, 4);
    detach();
    assert.deepEqual(lines, ['bc (s) 12/100 (12%) 12s elapsed, 1m28s left | step 2 loss 0.250\n', 'bc (s) 100/100 (100%) 2m30s elapsed, 0s left | step 3 loss 0.250\n']);
  } finally {
    now.mock.restore();
  }
});

test('attachProgress: a total that is not a positive number is an OptionsError', () => {
  const trainer = new EventEmitter() as unknown as Parameters<typeof attachProgress>[0];
  assert.throws(() => attachProgress(trainer, { seconds: 0 }), (e: unknown) => e instanceof OptionsError && /seconds must be a number > 0, got 0/.test(e.message));
  assert.throws(() => attachProgress(trainer, Number.NaN), (e: unknown) => e instanceof OptionsError && /total must be a number > 0/.test(e.message));
  assert.equal((trainer as unknown as EventEmitter).listenerCount('step'), 0);
});
