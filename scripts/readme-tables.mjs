#!/usr/bin/env node
// Writes the README's results tables from bench/results/*.json, so that no result is typed by
// hand: the region between `<!-- results:start -->` and `<!-- results:end -->` in README.md is
// replaced by one table per benchmark result file, each with a caption saying what it measures
// and when the JSON says it ran. Plain Node, no dependencies.
// Usage: node scripts/readme-tables.mjs          rewrite the region
//        node scripts/readme-tables.mjs --check  exit 1 if the region differs from what the JSON gives
// How each benchmark measures, and its targets: bench/README.md.

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const README = `${root}README.md`;
const RESULTS = `${root}bench/results/`;
const START = '<!-- results:start -->';
const END = '<!-- results:end -->';

// ---------------------------------------------------------------- formatting

/** 12345.6 -> "12,346" (digits grouped by hand: the output must not depend on Node's ICU). */
function int(n) {
  const s = String(Math.round(n));
  return s.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}
/** A number with at most `digits` decimals, trailing zeros dropped, thousands grouped. */
function num(n, digits = 1) {
  if (n === null || n === undefined || Number.isNaN(n)) return '';
  const fixed = Number(n).toFixed(digits).replace(/\.?0+$/, '');
  const [whole, frac] = fixed.split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return frac === undefined ? grouped : `${grouped}.${frac}`;
}
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
/** Sample standard deviation. */
const sd = (xs) => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1)));
/** "15.9 ± 2.1 (11.5-19.5)": mean ± standard deviation (min-max) of per-round rates. */
const spread = (xs) => `${num(mean(xs))} ± ${num(sd(xs))} (${num(Math.min(...xs))}-${num(Math.max(...xs))})`;
/** An ISO date as "2026-12-06 13:08 UTC". */
function when(iso) {
  if (typeof iso !== 'string') return 'date not recorded';
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  return m ? `${m[1]} ${m[2]} UTC` : iso;
}
function table(header, rows, align) {
  return [
    `| ${header.join(' | ')} |`,
    `|${align.map((a) => (a === 'r' ? '---:' : '---')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}
/** "3-7", or "0" when every value is the same. */
function range(xs) {
  const lo = num(Math.min(...xs));
  const hi = num(Math.max(...xs));
  return lo === hi ? lo : `${lo}-${hi}`;
}
/** A fraction of `of` tasks as "4/6". */
const outOf = (fraction, of) => `${Math.round(fraction * of)}/${of}`;

// ---------------------------------------------------------------- one section per result file

function env(r) {
  const rows = r.rows.map((row) => [
    String(row.contexts),
    num(row.env_steps_per_s),
    spread(row.rounds_env),
    num(row.raw_steps_per_s),
    spread(row.rounds_raw),
    num(row.ratio, 3),
  ]);
  const shop = /demo shop/.test(r.description ?? '') ? ' on the retired hand-written demo shop (a new run uses the bundled shop and is not comparable)' : '';
  return [
    `**Environment speed** (\`npm run bench:env\`, ${when(r.date)}, Node ${r.node ?? '?'}): observe + act steps/s of WebEnvironment and of a plain playwright-core loop`,
    `doing the same page work${shop}; totals over ${r.rounds} alternating rounds, then mean ± sd (min-max) of the per-round rates. Target: ratio ≥ 0.9 at every N.`,
    '',
    table(['contexts', 'WebEnvironment steps/s', 'rounds', 'plain playwright steps/s', 'rounds', 'ratio'], rows, ['r', 'r', 'r', 'r', 'r', 'r']),
  ];
}

function policy(r) {
  const rows = r.models.map((m) => {
    const c = m.config ?? {};
    return [
      `${m.model} (d ${c.hidden_size}, ${c.num_hidden_layers} layers)`,
      int(m.params),
      int(m.train_tokens_per_s_data_parallel ?? m.train_tokens_per_s),
      int(m.train_tokens_per_s_one_process),
      m.train_tokens_per_s_one_thread == null ? '' : int(m.train_tokens_per_s_one_thread),
      int(m.torch_train_tokens_per_s),
      num(m.train_ratio_vs_torch, 3),
      num(m.gen_tokens_per_s_cached),
      num(m.gen_tokens_per_s_uncached),
      `${num(m.gen_cache_speedup)}x`,
      int(m.prefill_tokens_per_s),
    ];
  });
  const s = r.setup ?? {};
  const torch = r.models[0]?.torch;
  const peer = torch ? `PyTorch ${torch.version} (${torch.blas})` : 'PyTorch';
  return [
    `**Policy speed** (\`npm run bench:policy\`, ${when(r.generated_at ?? r.date)}): tokens/s of a training step (batch ${s.batch}, ${s.seq} tokens, loss on the last ${s.completion_tokens}) in tfjs, ${r.models[0]?.backend ?? s.backend?.name ?? '?'},`,
    `and in ${peer} on the same CPU, and of sampling ${s.gen_new_tokens} tokens after ${s.gen_prompt}-token prompts. Targets: training ratio ≥ 0.5 (1M model), cached sampling ≥ 5x uncached.`,
    '',
    table(
      ['model', 'params', 'tfjs train (data-parallel)', 'one process', 'one thread', 'PyTorch', 'ratio', 'sampling cached', 'uncached', 'speed-up', 'prefill'],
      rows,
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
  ];
}

function suites(r) {
  const rows = r.sites.map((s) => [
    s.site,
    String(s.templates),
    String(s.instances),
    num(s.expert_success, 3),
    `${int(s.median_obs_tokens)} / ${int(s.p95_obs_tokens)} / ${int(s.max_obs_tokens)}`,
    `${num(s.server_ms_p50, 2)} / ${num(s.server_ms_p95, 2)}`,
    num(s.reset_ms_p50, 3),
    int(s.env_reset_ms_p50),
    num(s.episode_s_mean, 2),
  ]);
  const n = r.instances ?? {};
  return [
    `**Bundled sites** (\`npm run bench:suites\`, ${when(r.date)}): each site's experts on sampled \`test\` and \`test-unseen\` instances through real Chromium; ${r.templates} templates, ${int(n.train)} train, ${int(n.test)} test and ${int(n['test-unseen'])} test-unseen instances.`,
    'Observation tokens are characters / 4; server ms per page request; reset ms to make a fresh session state; env reset ms for a new context and its start page.',
    '',
    table(
      ['site', 'templates', 'instances', 'expert success', 'obs tokens p50 / p95 / max', 'server ms p50 / p95', 'reset ms p50', 'env reset ms p50', 'episode s'],
      rows,
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
  ];
}

function demos(r) {
  return [
    `**Demonstrations** (\`npm run bench:demos -- ${r.per_template}\`, ${when(r.date)}): every train template's expert on ${r.per_template} instances through real Chromium, ${r.concurrency} episodes at once in one browser.`,
    '',
    table(
      ['templates', 'tasks', 'demonstrations', 'failed', 'seconds', 'demonstrations/s', 'turns mean / p50 / max', 'turns/s'],
      [[String(r.templates), String(r.tasks), String(r.demonstrations), String(r.failures), num(r.seconds), num(r.demos_per_second, 3), `${num(r.turns_per_demo_mean)} / ${r.turns_per_demo_p50} / ${r.turns_per_demo_max}`, num(r.turns_per_second, 2)]],
      ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
  ];
}

function learn(r) {
  const s = r.settings ?? {};
  const perTemplate = s.test_per_template ?? 6;
  const its = r.grpo_iterations ?? [];
  const signal = its.reduce((a, i) => a + (i.groups_with_signal ?? 0), 0);
  const rewards = its.map((i) => i.reward_mean);
  const invalid = its.map((i) => i.invalid_action_rate);
  const main = table(
    ['untrained', 'bc', 'bc_unconstrained', 'bc_longer', 'grpo', 'grpo - bc', 'test tasks', 'wall s'],
    [[num(r.untrained, 3), num(r.bc, 3), num(r.bc_unconstrained, 3), num(r.bc_longer, 3), num(r.grpo, 3), num(r.grpo - r.bc, 3), String(r.test_tasks), num(r.wall_s)]],
    ['r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
  );
  const templates = table(
    ['template', 'untrained', 'bc', 'bc_longer', 'grpo'],
    Object.entries(r.per_template ?? {}).map(([t, v]) => [t, outOf(v.untrained, perTemplate), outOf(v.bc, perTemplate), outOf(v.bc_longer, perTemplate), outOf(v.grpo, perTemplate)]),
    ['l', 'r', 'r', 'r', 'r'],
  );
  const unseen = r.unseen_template ? ` Unseen templates: BC ${outOf(r.unseen_template.bc, r.unseen_template.tasks)}, GRPO ${outOf(r.unseen_template.grpo, r.unseen_template.tasks)}.` : '';
  return [
    `**Learning** (\`npm run bench:learn\`, ${when(r.date)}): greedy success on the test split (entities never trained on) of the default small policy untrained, after BC (${s.bc_minutes} min, ${int(r.bc_steps)} steps,`,
    `${s.demos_per_template} demonstrations a template), after BC + GRPO (${its.length} iterations, ${int(r.grpo_s)} s) and of the BC control given GRPO's time (bc_longer, ${int(r.bc_longer_steps)} more steps), under the whole-action constraint (bc_unconstrained: without it).`,
    `GRPO: ${signal} groups with differing rewards; reward mean by iteration ${num(mean(rewards), 2)} ± ${num(sd(rewards), 2)} (${num(Math.min(...rewards), 2)}-${num(Math.max(...rewards), 2)}); invalid actions ${range(invalid.map((x) => x * 100))}%. Targets: grpo - bc ≥ 0.10 and grpo > bc_longer.${unseen}`,
    '',
    main,
    '',
    templates,
  ];
}

// The order of the tables in the README; a file that does not exist is left out.
const SECTIONS = [
  ['learn.json', learn],
  ['policy.json', policy],
  ['env.json', env],
  ['suites.json', suites],
  ['demos.json', demos],
];

function render() {
  const parts = [];
  for (const [file, section] of SECTIONS) {
    const path = RESULTS + file;
    if (!existsSync(path)) continue;
    const lines = section(JSON.parse(readFileSync(path, 'utf8')));
    parts.push(lines.join('\n'));
  }
  return `${START}\n<!-- Generated by \`npm run readme:tables\` from bench/results/*.json: do not edit by hand. -->\n\n${parts.join('\n\n')}\n\n${END}`;
}

// ---------------------------------------------------------------- main

const check = process.argv.includes('--check');
const text = readFileSync(README, 'utf8');
const start = text.indexOf(START);
const end = text.indexOf(END);
if (start < 0 || end < start) {
  console.error(`readme-tables: README.md has no ${START} ... ${END} region`);
  process.exit(2);
}
const current = text.slice(start, end + END.length);
const wanted = render();
if (check) {
  if (current !== wanted) {
    console.error('readme-tables: the README\'s results tables differ from bench/results/*.json; run `npm run readme:tables`');
    process.exit(1);
  }
  console.log('readme-tables: README results tables match bench/results/*.json');
} else if (current === wanted) {
  console.log('readme-tables: README.md already up to date');
} else {
  writeFileSync(README, text.slice(0, start) + wanted + text.slice(end + END.length));
  console.log('readme-tables: README.md results tables rewritten');
}
