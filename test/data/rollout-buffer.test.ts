// Tests for the RolloutBuffer (src/data/rollout-buffer.ts) and trajectory validation
// (src/data/trajectory.ts): golden group-relative advantages (Bessel's correction, as TRL),
// batch/none scaling, zero-std groups, hand-computed token weights of both loss normalisations,
// minibatch packing, JSONL round trips and crash recovery, and chat-record export.

import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { OptionsError } from '../../src/errors.js';
import { Rng } from '../../src/data/random.js';
import { RolloutBuffer, type TrainingSample } from '../../src/data/rollout-buffer.js';
import { JsonlFormatError, appendJsonl, loadJsonl, saveJsonl, writeLinesAtomic } from '../../src/data/jsonl.js';
import { toChatRecords } from '../../src/data/chat-records.js';
import type { Trajectory, Turn } from '../../src/data/trajectory.js';

let seq = 0;
/** A turn with `p` prompt tokens and `c` completion tokens; logprob of token id k is -k/100. */
function turn(p: number, c: number, extra: Partial<Turn> = {}): Turn {
  const base = 100 * ++seq;
  const completionIds = Int32Array.from({ length: c }, (_, k) => (base + k) % 5000);
  return {
    promptIds: Int32Array.from({ length: p }, (_, k) => k + 1),
    completionIds,
    logprobs: Float32Array.from(completionIds, (id) => -id / 100),
    text: `reply ${seq}`,
    action: { type: 'click', element: '3' },
    observation: { url: 'http://127.0.0.1/x', title: 'X', error: null },
    prompt: [{ role: 'system', content: 'sys' }, { role: 'user', content: `Round ${seq}` }],
    ...extra,
  };
}

function traj(groupId: string, reward: number, turns: Turn[] = [turn(3, 2)], taskId = `task-${groupId}`): Trajectory {
  return { taskId, groupId, site: 'shop', turns, reward, answer: 'ok', stats: { turns: turns.length, invalidActions: 0, elapsedMs: 12, terminated: true, truncated: false } };
}

/** A process id no process has (above Linux's largest pid_max), as a killed writer's. */
const DEAD_PID = 2 ** 22 + 17;

const close = (actual: number, expected: number, tol = 1e-6, what = ''): void => {
  assert.ok(Math.abs(actual - expected) <= tol, `${what} expected ${expected}, got ${actual}`);
};

describe('advantages', () => {
  test('golden group [1, 0, 1, 0] -> +-0.866 (unbiased std)', () => {
    const buf = new RolloutBuffer([traj('g', 1), traj('g', 0), traj('g', 1), traj('g', 0)]);
    const { advantages, metrics } = buf.advantages({ scaleRewards: 'group' });
    const expected = [0.8658754, -0.8658754, 0.8658754, -0.8658754]; // 0.5 / (sqrt(1/3) + 1e-4)
    expected.forEach((e, i) => close(advantages[i]!, e, 1e-6, `A[${i}]`));
    close(Math.abs(advantages[0]!), 0.866, 1e-3);
    assert.deepEqual(metrics, { reward_mean: 0.5, reward_std: Math.sqrt(1 / 3), frac_reward_zero_std: 0, groups: 1 });
  });

  test('a single-member group has std 0 and advantage 0', () => {
    const buf = new RolloutBuffer([traj('solo', 1), traj('g', 1), traj('g', 0)]);
    const { advantages, metrics } = buf.advantages();
    assert.equal(advantages[0], 0);
    close(advantages[1]!, 0.5 / (Math.SQRT1_2 + 1e-4));
    assert.equal(metrics.frac_reward_zero_std, 0.5);
  });

  test('batch scaling divides by the std of all rewards, none leaves r - mean', () => {
    const rewards = [[1, 0, 1, 0], [1, 1, 1, 0]];
    const buf = new RolloutBuffer(rewards.flatMap((rs, g) => rs.map((r) => traj(`g${g}`, r))));
    // all rewards [1,0,1,0,1,1,1,0]: mean 5/8, unbiased std sqrt(1.875 / 7) = 0.5175491695
    const batch = buf.advantages({ scaleRewards: 'batch' }).advantages;
    const bExpected = [0.9659052, -0.9659052, 0.9659052, -0.9659052, 0.4829526, 0.4829526, 0.4829526, -1.4488577];
    bExpected.forEach((e, i) => close(batch[i]!, e, 1e-6, `batch A[${i}]`));
    const none = buf.advantages({ scaleRewards: 'none' }).advantages;
    assert.deepEqual(Array.from(none), [0.5, -0.5, 0.5, -0.5, 0.25, 0.25, 0.25, -0.75]);
  });

  test('baseline batch: every reward is compared with the batch mean, agreeing groups included', () => {
    const buf = new RolloutBuffer([traj('a', 1), traj('a', 0), traj('same', 1), traj('same', 1), traj('zero', 0), traj('zero', 0)]);
    // all rewards [1,0,1,1,0,0]: mean 0.5, unbiased std sqrt(1.5 / 5)
    const none = buf.advantages({ baseline: 'batch', scaleRewards: 'none', dropZeroStd: true });
    assert.deepEqual(Array.from(none.advantages), [0.5, -0.5, 0.5, 0.5, -0.5, -0.5]);
    assert.deepEqual(none.excluded, [false, false, false, false, false, false], 'the batch has signal, so no group is dropped');
    close(none.metrics.frac_reward_zero_std, 2 / 3, 1e-12, 'still counted per group');
    const scaled = buf.advantages({ baseline: 'batch', scaleRewards: 'batch' }).advantages;
    close(scaled[2]!, 0.5 / (Math.sqrt(0.3) + 1e-4), 1e-9, 'A of a success in the all-success group');
    const flat = new RolloutBuffer([traj('s', 1), traj('s', 1), traj('t', 1), traj('t', 1)]).advantages({ baseline: 'batch', scaleRewards: 'none', dropZeroStd: true });
    assert.deepEqual(flat.excluded, [true, true, true, true], 'a batch of equal rewards carries nothing');
    assert.deepEqual(Array.from(flat.advantages), [0, 0, 0, 0]);
    assert.throws(() => buf.advantages({ baseline: 'batch' }), /baseline 'batch' needs scaleRewards 'batch' or 'none'/);
    assert.throws(() => buf.advantages({ baseline: 'task' as 'group' }), /RolloutBuffer option baseline must be 'group' or 'batch', got "task"/);
  });

  test('dropZeroStd excludes groups whose rewards are all equal', () => {
    const buf = new RolloutBuffer([traj('a', 1), traj('a', 0), traj('same', 1), traj('same', 1), traj('zero', 0), traj('zero', 0)]);
    const kept = buf.advantages();
    assert.deepEqual(kept.excluded, [false, false, false, false, false, false]);
    assert.equal(kept.advantages[2], 0);
    close(kept.metrics.frac_reward_zero_std, 2 / 3);
    assert.equal(kept.metrics.groups, 3);
    assert.equal(buf.samples().length, 6);
    const dropped = buf.advantages({ dropZeroStd: true });
    assert.deepEqual(dropped.excluded, [false, false, true, true, true, true]);
    const samples = buf.samples({ dropZeroStd: true });
    assert.deepEqual(samples.map((s) => s.trajectoryIndex), [0, 1]);
    close(samples[0]!.tokenWeight * 2 + samples[1]!.tokenWeight * 2, 1, 1e-12, 'weights over the kept group');
  });

  test('options are validated', () => {
    const buf = new RolloutBuffer([traj('a', 1)]);
    assert.throws(() => buf.advantages({ scaleRewards: 'mean' as 'none' }), /scaleRewards/);
    assert.throws(() => buf.advantages({ epsilon: -1 }), /epsilon/);
    assert.throws(() => buf.samples({ lossType: 'seq' as 'token' }), /lossType/);
  });
});

describe('samples and token weights', () => {
  // Group a: traj0 (r=1) turns of 2 and 3 tokens; traj1 (r=0) one turn of 4.
  // Group b: traj2 (r=1) one turn of 1; traj3 (r=0) turns of 2, 0 (skipped) and 2; traj4 (r=0) no turns.
  const build = (): RolloutBuffer => new RolloutBuffer([
    traj('a', 1, [turn(3, 2), turn(5, 3)]),
    traj('a', 0, [turn(4, 4)]),
    traj('b', 1, [turn(2, 1)]),
    traj('b', 0, [turn(3, 2), turn(3, 0), turn(6, 2)]),
    traj('b', 0, []),
  ]);

  test('sequence weights: 1 / (#groups * G_g * turns_i * tokens_ij), hand-computed', () => {
    const samples = build().samples({ lossType: 'sequence' });
    assert.deepEqual(samples.map((s) => [s.trajectoryIndex, s.turnIndex]), [[0, 0], [0, 1], [1, 0], [2, 0], [3, 0], [3, 2]]);
    // #groups = 2; G_a = 2; G_b = 2 (traj4 has no turns); traj3 has 2 trainable turns.
    const expected = [1 / 16, 1 / 24, 1 / 16, 1 / 4, 1 / 16, 1 / 16];
    samples.forEach((s, k) => close(s.tokenWeight, expected[k]!, 1e-15, `weight ${k}`));
    const total = samples.reduce((acc, s) => acc + s.tokenWeight * s.oldLogprobs.length, 0);
    close(total, 1, 1e-12, 'sum of token weights');
    // advantages: group a [1,0] -> +-0.5/(sqrt(0.5)+1e-4); group b [1,0,0] -> (2/3, -1/3)/(sqrt(1/3)+1e-4)
    close(samples[0]!.advantage, 0.7070068);
    close(samples[2]!.advantage, -0.7070068);
    close(samples[3]!.advantage, 1.1545006);
    close(samples[4]!.advantage, -0.5772503);
  });

  test('token weights: 1 / total completion tokens', () => {
    const samples = build().samples({ lossType: 'token' });
    assert.equal(samples.length, 6);
    for (const s of samples) assert.equal(s.tokenWeight, 1 / 14);
    close(samples.reduce((acc, s) => acc + s.tokenWeight * s.oldLogprobs.length, 0), 1, 1e-12);
  });

  test('ids are prompt then completion, completionStart is the prompt length', () => {
    const buf = build();
    const [s] = buf.samples();
    const t = buf.trajectories[0]!.turns[0]!;
    assert.deepEqual(Array.from(s!.ids), [...t.promptIds, ...t.completionIds]);
    assert.equal(s!.completionStart, 3);
    assert.equal(s!.oldLogprobs, t.logprobs);
  });

  test('a turn with completion tokens but no prompt is an error naming it', () => {
    const buf = new RolloutBuffer([traj('a', 1, [turn(0, 2)]), traj('a', 0)]);
    assert.throws(() => buf.samples(), (e: unknown) => e instanceof OptionsError && /trajectory 0 .*turns\[0\].*no promptIds/.test(e.message));
  });
});

describe('minibatches', () => {
  const sample = (len: number, k: number): TrainingSample => ({
    ids: new Int32Array(len), completionStart: 1, oldLogprobs: new Float32Array(len - 1), advantage: 0, tokenWeight: 1, trajectoryIndex: k, turnIndex: 0,
  });
  const buf = new RolloutBuffer();

  test('greedy packing in order under the padded budget; an over-budget sample goes alone', () => {
    const samples = [3, 3, 5, 2, 9, 1].map(sample);
    const lens = (b: TrainingSample[][]): number[][] => b.map((mb) => mb.map((s) => s.ids.length));
    assert.deepEqual(lens(buf.minibatches(samples, { maxTokens: 10 })), [[3, 3], [5, 2], [9], [1]]);
    assert.deepEqual(lens(buf.minibatches(samples, { maxTokens: 8 })), [[3, 3], [5], [2], [9], [1]]);
    assert.throws(() => buf.minibatches(samples, { maxTokens: 0 }), /maxTokens/);
  });

  test('shuffled packing respects the budget, covers every sample once, is deterministic for a seed', () => {
    const r = new Rng(1);
    const samples = Array.from({ length: 40 }, (_, k) => sample(r.int(2, 30), k));
    const a = buf.minibatches(samples, { maxTokens: 64, rng: new Rng(42) });
    const b = buf.minibatches(samples, { maxTokens: 64, rng: new Rng(42) });
    const c = buf.minibatches(samples, { maxTokens: 64, rng: new Rng(43) });
    const order = (mbs: TrainingSample[][]): number[] => mbs.flat().map((s) => s.trajectoryIndex);
    assert.deepEqual(order(a), order(b));
    assert.deepEqual(a.map((m) => m.length), b.map((m) => m.length));
    assert.notDeepEqual(order(a), order(c));
    assert.deepEqual([...order(a)].sort((x, y) => x - y), samples.map((s) => s.trajectoryIndex));
    assert.equal(new Set(a.flat()).size, samples.length);
    for (const mb of a) assert.ok(mb.length * Math.max(...mb.map((s) => s.ids.length)) <= 64, 'padded size within budget');
    assert.notDeepEqual(order(a), samples.map((s) => s.trajectoryIndex), 'shuffled');
  });
});

describe('validation on add', () => {
  test('mismatched logprobs, non-finite reward, non-typed ids, negative ids', () => {
    const buf = new RolloutBuffer([traj('a', 1)]);
    const bad = traj('a', 1, [turn(3, 2), { ...turn(3, 2), logprobs: new Float32Array(1) }], 'shop/7');
    assert.throws(() => buf.add(traj('a', 0), bad), (e: unknown) => e instanceof OptionsError && e.message.includes('trajectory 2 (task "shop/7")') && e.message.includes('turns[1].logprobs has 1 entries for 2 completionIds'));
    assert.equal(buf.size, 1, 'nothing added when one trajectory is malformed');
    assert.throws(() => buf.add(traj('a', Number.NaN)), /reward must be a finite number/);
    assert.throws(() => buf.add(traj('a', 1, [{ ...turn(2, 2), promptIds: [1, 2] as unknown as Int32Array }])), /turns\[0\]\.promptIds must be an Int32Array/);
    assert.throws(() => buf.add(traj('a', 1, [{ ...turn(2, 2), completionIds: Int32Array.from([4, -1]) }])), /turns\[0\]\.completionIds\[1\] = -1 is not a token id/);
    assert.throws(() => buf.add({ ...traj('a', 1), groupId: 3 } as unknown as Trajectory), /groupId must be a string/);
  });

  test('groups, size, clear', () => {
    const buf = new RolloutBuffer().add(traj('x', 1), traj('y', 0), traj('x', 0));
    assert.deepEqual([...buf.groups()].map(([g, ts]) => [g, ts.map((t) => t.reward)]), [['x', [1, 0]], ['y', [0]]]);
    assert.equal(buf.size, 3);
    buf.clear();
    assert.equal(buf.size, 0);
    assert.equal(buf.groups().size, 0);
  });
});

describe('JSONL', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rollout-buffer-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const sample = (): Trajectory[] => [
    traj('a', 1, [turn(3, 2, { logprobs: Float32Array.from([-0.1, -1e-7]) }), turn(4, 3, { error: 'slow page' })]),
    { ...traj('a', 0, [turn(2, 1, { action: { type: 'invalid', raw: 'oops' }, observation: { url: 'u', title: 't', error: 'no element 9' } })]), template: 'price', answer: undefined },
  ];

  test('round trip: typed arrays come back equal and typed; atomic write leaves no temp file', async () => {
    const path = join(dir, 'round.jsonl');
    const original = sample();
    await saveJsonl(path, original);
    const text = await readFile(path, 'utf8');
    assert.equal(text.split('\n').length, 3, 'one line per trajectory plus the final newline');
    assert.deepEqual(await readdir(dir), ['round.jsonl']);
    const loaded = await loadJsonl(path);
    assert.equal(loaded.length, 2);
    const t0 = loaded[0]!.turns[0]!;
    assert.ok(t0.promptIds instanceof Int32Array && t0.completionIds instanceof Int32Array && t0.logprobs instanceof Float32Array);
    assert.deepEqual(t0.logprobs, original[0]!.turns[0]!.logprobs);
    assert.deepEqual(loaded.map((t) => ({ ...t, answer: t.answer })), original.map((t) => ({ ...t, answer: t.answer })));
    await saveJsonl(path, [original[1]!]);
    assert.equal((await loadJsonl(path)).length, 1, 'save replaces the file');
  });

  test('a truncated last line is skipped with a warning', async () => {
    const path = join(dir, 'truncated.jsonl');
    await saveJsonl(path, sample());
    const full = await readFile(path, 'utf8');
    await appendFile(path, full.slice(0, 80)); // a third record cut mid-write
    const warnings: string[] = [];
    const loaded = await loadJsonl(path, { onWarning: (m) => warnings.push(m) });
    assert.equal(loaded.length, 2);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /truncated\.jsonl:3: skipped a torn last line/);
  });

  test('a malformed middle line is an error with its line number', async () => {
    const path = join(dir, 'middle.jsonl');
    const good = JSON.stringify(sample()[0]!, (_k, v: unknown) => (ArrayBuffer.isView(v) ? Array.from(v as Float32Array) : v));
    const lines = [good, good, '{"taskId": "x", "turns": [', good];
    await writeFile(path, `${lines.join('\n')}\n`);
    await assert.rejects(loadJsonl(path), (e: unknown) => e instanceof JsonlFormatError && e.line === 3 && /middle\.jsonl:3: malformed JSON/.test(e.message));
  });

  test('an invalid record is an error naming the field and line', async () => {
    const path = join(dir, 'invalid.jsonl');
    await saveJsonl(path, sample());
    const good = JSON.parse((await readFile(path, 'utf8')).split('\n')[0]!) as { turns: Array<Record<string, unknown>>; reward: unknown };
    const badLp = structuredClone(good);
    badLp.turns[0]!.logprobs = [-0.5];
    const badReward = { ...structuredClone(good), reward: 'one' };
    const badId = structuredClone(good);
    badId.turns[0]!.promptIds = [1, 2.5];
    for (const [record, pattern] of [[badLp, /:2: .*turns\[0\]\.logprobs has 1 entries for 2 completionIds/], [badReward, /:2: .*reward must be a finite number/], [badId, /:2: .*turns\[0\]\.promptIds\[1\] = 2\.5 is not a token id/]] as const) {
      await writeFile(path, `${JSON.stringify(good)}\n${JSON.stringify(record)}\n${JSON.stringify(good)}\n`);
      await assert.rejects(loadJsonl(path), (e: unknown) => e instanceof JsonlFormatError && e.line === 2 && pattern.test(e.message));
    }
  });

  test('appendJsonl streams records in call order and repairs a truncated tail', async () => {
    const path = join(dir, 'stream.jsonl');
    const ts = [traj('s', 1, [turn(2, 2)], 't1'), traj('s', 0, [turn(2, 3)], 't2'), traj('s', 1, [turn(2, 1)], 't3')];
    await Promise.all(ts.map((t) => appendJsonl(path, t)));
    assert.deepEqual((await loadJsonl(path)).map((t) => t.taskId), ['t1', 't2', 't3']);
    await appendFile(path, '{"taskId": "cut');
    const warnings: string[] = [];
    await appendJsonl(path, traj('s', 0, [turn(2, 2)], 't4'), { onWarning: (m) => warnings.push(m) });
    assert.match(warnings[0] ?? '', /stream\.jsonl:4: dropped a torn last line \(15 bytes, not valid JSON\)/);
    assert.deepEqual((await loadJsonl(path)).map((t) => t.taskId), ['t1', 't2', 't3', 't4']);
    await assert.rejects(appendJsonl(path, traj('s', Number.POSITIVE_INFINITY)), /reward/);
  });

  test('appendJsonl keeps a complete last record that lacks its newline, and adds the newline before the next', async () => {
    const path = join(dir, 'no-newline.jsonl');
    await saveJsonl(path, [traj('n', 1, [turn(2, 2)], 'n1'), traj('n', 0, [turn(2, 2)], 'n2')]);
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.slice(0, -1)); // n2 complete, its newline never written (a writer killed between the two)
    assert.deepEqual((await loadJsonl(path)).map((t) => t.taskId), ['n1', 'n2'], 'loadJsonl keeps it');
    const warnings: string[] = [];
    await appendJsonl(path, traj('n', 1, [turn(2, 2)], 'n3'), { onWarning: (m) => warnings.push(m) });
    assert.deepEqual((await loadJsonl(path)).map((t) => t.taskId), ['n1', 'n2', 'n3'], 'the complete record is kept, the next one on its own line');
    assert.ok((await readFile(path, 'utf8')).endsWith('\n'));
    assert.equal((await readFile(path, 'utf8')).split('\n').length, 4);
    assert.match(warnings.join('\n'), /added the missing newline/);
  });

  test('appendJsonl drops only a truly torn last line, says so, and refuses to bury a complete line that is not a record', async () => {
    const path = join(dir, 'torn.jsonl');
    await saveJsonl(path, [traj('n', 1, [turn(2, 2)], 'k1')]);
    const record = (await readFile(path, 'utf8')).trimEnd();
    for (const cut of [1, 40, record.length - 1]) {
      await saveJsonl(path, [traj('n', 1, [turn(2, 2)], 'k1')]);
      await appendFile(path, record.slice(0, cut)); // a second record cut mid-write
      const warnings: string[] = [];
      await appendJsonl(path, traj('n', 0, [turn(2, 2)], 'k2'), { onWarning: (m) => warnings.push(m) });
      assert.deepEqual((await loadJsonl(path)).map((t) => t.taskId), ['k1', 'k2'], `cut at ${cut}`);
      assert.match(warnings.join('\n'), new RegExp(`torn\\.jsonl:2: dropped a torn last line \\(${cut} bytes, not valid JSON\\)`));
    }
    // Valid JSON but not a trajectory: not a torn write (a cut JSON object never parses); kept, and the append refused.
    await saveJsonl(path, [traj('n', 1, [turn(2, 2)], 'k1')]);
    await appendFile(path, '{"note": "someone else\'s line"}');
    const before = await readFile(path, 'utf8');
    await assert.rejects(appendJsonl(path, traj('n', 0, [turn(2, 2)], 'k3')), (e: unknown) => e instanceof JsonlFormatError && e.line === 2 && /not a torn write/.test(e.message));
    assert.equal(await readFile(path, 'utf8'), before, 'nothing deleted');
  });

  test('loadJsonl skips only an unterminated malformed last line; a complete (newline-ended) malformed line is an error', async () => {
    const path = join(dir, 'terminated.jsonl');
    await saveJsonl(path, sample());
    await appendFile(path, '{"taskId": "x", "turns": [\n'); // ended by its newline: not a write cut short
    await assert.rejects(loadJsonl(path), (e: unknown) => e instanceof JsonlFormatError && e.line === 3 && /malformed JSON/.test(e.message));
    // appendJsonl leaves it, and loadJsonl then agrees with itself (before: skipped alone, an error once followed).
    await saveJsonl(path, sample());
    await appendFile(path, '{"taskId": "x", "tu');
    const warnings: string[] = [];
    assert.equal((await loadJsonl(path, { onWarning: (m) => warnings.push(m) })).length, 2);
    assert.match(warnings[0] ?? '', /terminated\.jsonl:3: skipped a torn last line/);
  });

  test('writeLinesAtomic ends every line, and removes the temporaries a killed writer left', async () => {
    const path = join(dir, 'lines.jsonl');
    const [a, b] = sample().map((t) => JSON.stringify({ ...t, turns: t.turns.map((u) => ({ ...u, promptIds: [...u.promptIds], completionIds: [...u.completionIds], logprobs: [...u.logprobs] })) }));
    await writeLinesAtomic(path, [a!, b!]); // lines without their newline must not run together
    assert.equal((await loadJsonl(path)).length, 2);
    const stale = `${path}.${DEAD_PID}.0badf00d.tmp`;
    await writeFile(stale, a!.slice(0, 30));
    await writeLinesAtomic(path, [`${a!}\n`]);
    assert.deepEqual((await readdir(dir)).filter((f) => f.startsWith('lines.jsonl')), ['lines.jsonl'], 'the dead writer\'s temporary is gone');
    assert.equal((await loadJsonl(path)).length, 1);
  });
});

describe('toChatRecords', () => {
  test('one record per turn: prompt messages + the reply, reward, advantage, ids', () => {
    const trajs = [traj('g', 1, [turn(2, 2), turn(2, 2)]), traj('g', 0)];
    const records = toChatRecords(trajs, [0.7, -0.7]);
    assert.equal(records.length, 3);
    assert.deepEqual(records[1], {
      messages: [...trajs[0]!.turns[1]!.prompt!, { role: 'assistant', content: trajs[0]!.turns[1]!.text }],
      reward: 1, advantage: 0.7, task_id: 'task-g', group_id: 'g', turn: 1,
    });
    assert.equal('advantage' in toChatRecords(trajs)[0]!, false);
    const noPrompt: Turn = { ...turn(2, 2), prompt: undefined };
    assert.throws(() => toChatRecords([traj('g', 1, [noPrompt])]), /trajectory 0 .*turns\[0\] has no prompt/);
    assert.throws(() => toChatRecords(trajs, [1]), /1 advantages for 2 trajectories/);
  });
});
