// Lint: typescript-eslint's recommended rules with type information, so that promises are
// never left floating (a dropped promise in a browser loop is a leaked context or a hang).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // test/fixtures holds pages and scripts served to the browser in tests, not project code.
  { ignores: ['dist/**', 'node_modules/**', 'docs/**', 'scratch/**', 'eslint.config.js', 'test/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      // Config files and scripts outside the tsconfig are linted with the default project.
      parserOptions: { projectService: { allowDefaultProject: ['.dependency-cruiser.cjs', 'scripts/*.mjs'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's test()/describe() return promises the runner itself awaits.
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] }] },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  // The page program runs in the browser: tsc checks its globals (window, document, ...) against
  // the DOM lib (src/env/page/tsconfig.json), so no-undef, which knows none of them, is off.
  { files: ['src/env/page/**/*.js'], rules: { 'no-undef': 'off' } },
  // Plain Node scripts and CommonJS config.
  { files: ['scripts/*.mjs', '.dependency-cruiser.cjs'], languageOptions: { globals: { process: 'readonly', console: 'readonly', module: 'writable' } } },
);
