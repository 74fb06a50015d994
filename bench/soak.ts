// npm run soak: at least 500 episodes of multi-turn GRPO in real Chromium (policy calls and a
// training step every 8 episodes), reporting every 50 episodes the live tfjs tensors, RSS,
// Chromium processes and open contexts, then whether they stayed flat after warm-up.
//
//   npm run soak [-- --episodes 500 --every 50 --seed 1]

import { parseArgs } from 'node:util';
import { flatness, soak } from './soak-run.js';

const { values } = parseArgs({ options: { episodes: { type: 'string', default: '500' }, every: { type: 'string', default: '50' }, seed: { type: 'string', default: '1' } } });
const episodes = Number(values.episodes);
const every = Number(values.every);
if (!Number.isInteger(episodes) || episodes < 100 || !Number.isInteger(every) || every < 1) {
  console.error('--episodes must be an integer >= 100 and --every a positive integer');
  process.exit(2);
}

const result = await soak({ episodes, every, seed: Number(values.seed), log: (line) => console.log(line) });
console.log('\n| episodes | tensors | RSS MB | Chromium processes | open contexts |\n|---:|---:|---:|---:|---:|');
for (const s of result.samples) console.log(`| ${s.episodes} | ${s.numTensors} | ${s.rssMb} | ${s.chromiumProcesses} | ${s.openContexts} |`);
const problems = flatness(result.samples);
console.log(`\n${result.episodes} episodes (${result.skipped} skipped) in ${(result.wallMs / 60_000).toFixed(1)} min: ${problems.length ? `NOT flat:\n- ${problems.join('\n- ')}` : 'flat after warm-up'}`);
process.exit(problems.length ? 1 : 0);
