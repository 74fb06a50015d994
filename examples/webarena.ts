// Runs WebArena / WebArena-Lite task configs against a WebArena deployment with a policy and
// prints success per site, with the checks this process could not decide counted apart.
//
//   npx tsx examples/webarena.ts <config.json | config_files/> \
//     --site shopping=http://host:7770 --site shopping_admin=http://host:7780/admin \
//     --site gitlab=http://host:8023 --site reddit=http://host:9999 --site map=http://host:3000 \
//     [--auth-dir .]  [--model /path/to/hf-checkpoint [--template plain]] \
//     [--remote https://api/v1 --model-name gpt-4o]  [--judge-remote https://api/v1 --judge-model gpt-4o] \
//     [--semantics webarena-lite|webarena] [--punkt nltk_data/tokenizers/punkt_tab/english] \
//     [--turns 15] [--concurrency 4] [--limit N]
//
// Scores follow WebArena-Lite's evaluator by default (the harness WebAgent-R1 reports);
// --semantics webarena scores by WebArena's original one. --punkt loads NLTK's English Punkt model
// so the answer tokenizer splits sentences exactly as nltk.word_tokenize does.
//
// With --bundled instead of --site flags the configs run against this SDK's bundled sites
// (shop = shopping, admin = shopping_admin, code = gitlab, forum = reddit, map = map).

import { parseArgs } from 'node:util';
import {
  Agent, BrowserPool, RemotePolicy, WebEnvironment, ensureChromium, evaluate, startSuiteServer,
} from '../src/index.js';
import { bundledWebArenaUrls, chatJudge, loadPunktParameters, loadWebArenaTasks, WEBARENA_SEMANTICS, WEBARENA_SITES, type WebArenaSemantics, type WebArenaSite, type WebArenaSiteUrls } from '../src/webarena/index.js';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    site: { type: 'string', multiple: true, default: [] },
    bundled: { type: 'boolean', default: false },
    'auth-dir': { type: 'string' },
    model: { type: 'string' },
    template: { type: 'string' },
    remote: { type: 'string' },
    'model-name': { type: 'string', default: 'default' },
    'judge-remote': { type: 'string' },
    'judge-model': { type: 'string', default: 'default' },
    turns: { type: 'string', default: '15' },
    concurrency: { type: 'string', default: '4' },
    limit: { type: 'string' },
    chromium: { type: 'string' },
    semantics: { type: 'string', default: 'webarena-lite' },
    punkt: { type: 'string' },
  },
});

if (!(WEBARENA_SEMANTICS as readonly string[]).includes(args.semantics!)) {
  console.error(`--semantics must be one of ${WEBARENA_SEMANTICS.join(', ')}, got ${JSON.stringify(args.semantics)}`);
  process.exit(2);
}

if (positionals.length !== 1 || (!args.model && !args.remote)) {
  console.error('usage: examples/webarena.ts <config file or folder> (--site name=url ... | --bundled) (--model <checkpoint folder> | --remote <base URL> --model-name <name>)');
  process.exit(2);
}

function siteUrls(): WebArenaSiteUrls {
  const urls: WebArenaSiteUrls = {};
  for (const s of args.site ?? []) {
    const [name, url] = [s.slice(0, s.indexOf('=')), s.slice(s.indexOf('=') + 1)];
    if (!(WEBARENA_SITES as readonly string[]).includes(name) || !url) {
      console.error(`--site ${s}: expected <site>=<url> with site one of ${WEBARENA_SITES.join(', ')}`);
      process.exit(2);
    }
    urls[name as WebArenaSite] = url;
  }
  return urls;
}

async function main(): Promise<void> {
  const server = args.bundled ? await startSuiteServer() : undefined;
  try {
    const urls = server ? bundledWebArenaUrls(server.urls) : siteUrls();
    const judge = args['judge-remote'] ? chatJudge(new RemotePolicy({ baseURL: args['judge-remote'], model: args['judge-model']! })) : undefined;
    const punkt = args.punkt ? await loadPunktParameters(args.punkt) : undefined;
    const { tasks: all, invalid } = await loadWebArenaTasks(positionals[0]!, {
      urls, skipInvalid: true, semantics: args.semantics as WebArenaSemantics,
      ...(args['auth-dir'] ? { authDir: args['auth-dir'] } : {}), ...(judge ? { judge } : {}), ...(punkt ? { punkt } : {}),
    });
    for (const bad of invalid) console.log(`skipped ${bad.where}: ${bad.error.message}`);
    const tasks = args.limit ? all.slice(0, Number(args.limit)) : all;
    if (tasks.length === 0) throw new Error('no runnable task configs');
    const agent = args.remote
      ? new Agent({ policy: new RemotePolicy({ baseURL: args.remote, model: args['model-name']! }) })
      : await Agent.fromPretrained(args.model!, { ...(args.template ? { template: args.template as 'plain' } : {}), sampling: { temperature: 0 } });
    const executablePath = await ensureChromium({ ...(args.chromium ? { executablePath: args.chromium } : {}) });
    await using pool = new BrowserPool({ executablePath });
    const report = await evaluate(tasks, {
      agent,
      makeEnvironment: () => new WebEnvironment({ pool, maxTurns: Number(args.turns) }),
      concurrency: Number(args.concurrency),
      maxTurns: Number(args.turns),
    });
    for (const t of report.trajectories) {
      const r = t.check;
      console.log(`${t.taskId.padEnd(16)} ${t.reward ? 'PASS' : r?.undecided ? r.undecided.toUpperCase() : 'fail'}  ${r?.reason ?? ''}`);
    }
    const undecided = report.trajectories.filter((t) => t.check?.undecided);
    console.log(`\n${'site'.padEnd(24)} success  episodes`);
    for (const [site, s] of Object.entries(report.perSite)) console.log(`${site.padEnd(24)} ${(100 * s.success).toFixed(1).padStart(6)}%  ${s.episodes}`);
    console.log(`${'all'.padEnd(24)} ${(100 * report.success).toFixed(1).padStart(6)}%  ${report.episodes}`);
    if (undecided.length) console.log(`${undecided.length} episode(s) scored 0 only because a check could not be decided here (unjudged fuzzy_match without --judge-remote, or an API-only func: helper).`);
  } finally {
    await server?.close();
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
