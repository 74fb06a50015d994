// The import graph's rules, checked by `npm run lint` (dependency-cruiser). Type-only imports
// count: a contract lives in a small type-only file that implementations import, never the reverse.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import circles anywhere in src/ (type-only imports included).',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'model-is-pure',
      comment: 'src/model (the language model, its engine, training primitives, checkpoints) knows nothing of environments, agents or trainers.',
      severity: 'error',
      from: { path: '^src/model/' },
      to: { path: '^src/(env|agent|rl|tasks|suites|testing|webarena|miniwob)/' },
    },
    {
      name: 'rl-is-browser-free',
      comment: 'src/rl trains against the Environment interface; it never imports playwright-core.',
      severity: 'error',
      from: { path: '^src/rl/' },
      to: { path: 'playwright-core' },
    },
    {
      name: 'data-is-plain',
      comment: 'src/data holds plain data and files: it imports nothing from env/, model/, agent/ or rl/ besides the browser-free contract (env/types.ts).',
      severity: 'error',
      from: { path: '^src/data/' },
      to: { path: '^src/(env|model|agent|rl|tasks|suites)/', pathNot: '^src/env/types[.]ts$' },
    },
  ],
  options: {
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^dist/' },
  },
};
