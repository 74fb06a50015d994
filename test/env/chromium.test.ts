// The browser finder's whole find-or-install decision, on a stubbed machine: the explicit
// option, the environment variables, the system paths, Playwright's cache, Playwright's
// installer, Debian's package as root, and the exact message when nothing works. One test
// checks the real host: playwright-core's CLI must resolve in this checkout (a deep import that
// the package's `exports` did not allow once stopped the install before it started).

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { chromiumInstallHint, defaultChromiumHost, ensureChromiumOn, locateChromium, type ChromiumHost } from '../../src/env/chromium.js';
import { BrowserNotFoundError } from '../../src/errors.js';

interface Stub extends ChromiumHost {
  readonly calls: string[];
  readonly files: Set<string>;
}

/** A machine with the given executables and folders; installers add files when they "succeed". */
function stub(options: {
  platform?: string;
  env?: Record<string, string>;
  isRoot?: boolean;
  files?: string[];
  dirs?: Record<string, string[]>;
  cli?: { path: string } | { error: string };
  installs?: Record<string, { ok: boolean; adds?: string[]; dirs?: Record<string, string[]> }>;
}): Stub {
  const files = new Set(options.files ?? []);
  const dirs = new Map(Object.entries(options.dirs ?? {}));
  const calls: string[] = [];
  return {
    platform: options.platform ?? 'linux',
    env: options.env ?? {},
    homedir: '/home/u',
    isRoot: options.isRoot ?? false,
    calls,
    files,
    isExecutable: (p) => files.has(p),
    listDir: (p) => {
      const d = dirs.get(p);
      if (!d) throw new Error(`ENOENT ${p}`);
      return d;
    },
    run: async (command, args) => {
      const line = [command, ...args].join(' ');
      calls.push(line);
      const key = Object.keys(options.installs ?? {}).find((k) => line.endsWith(k));
      const install = key === undefined ? undefined : options.installs![key]!;
      if (!install) return false;
      for (const f of install.adds ?? []) files.add(f);
      for (const [d, entries] of Object.entries(install.dirs ?? {})) dirs.set(d, entries);
      return install.ok;
    },
    playwrightCli: () => options.cli ?? { path: '/pkg/node_modules/playwright-core/cli.js' },
  };
}

const expectNotFound = (pattern: RegExp) => (e: unknown): boolean => {
  assert.ok(e instanceof BrowserNotFoundError, String(e));
  assert.match(e.message, pattern);
  return true;
};

describe('finding Chromium', () => {
  test('the executablePath option comes first, and a missing one is an error naming the option', () => {
    const host = stub({ files: ['/opt/my/chrome', '/usr/bin/chromium'], env: { CHROMIUM_PATH: '/usr/bin/chromium' } });
    assert.deepEqual(locateChromium({ executablePath: '/opt/my/chrome' }, host), { path: '/opt/my/chrome', source: 'option' });
    assert.throws(() => locateChromium({ executablePath: '/nope' }, host), expectNotFound(/"\/nope" \(from the executablePath option\) does not exist/));
  });

  test('CHROMIUM_PATH, then PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH; a missing one names the variable instead of searching on', () => {
    const files = ['/a/chrome', '/b/chrome', '/usr/bin/chromium'];
    assert.deepEqual(locateChromium({}, stub({ files, env: { CHROMIUM_PATH: '/a/chrome', PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH: '/b/chrome' } })), { path: '/a/chrome', source: 'environment' });
    assert.deepEqual(locateChromium({}, stub({ files, env: { PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH: '/b/chrome' } })), { path: '/b/chrome', source: 'environment' });
    assert.throws(() => locateChromium({}, stub({ files, env: { CHROMIUM_PATH: '/gone' } })), expectNotFound(/\(from CHROMIUM_PATH\)/));
    assert.throws(() => locateChromium({}, stub({ files, env: { PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH: '/gone' } })), expectNotFound(/\(from PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH\)/));
  });

  test('system paths in their order, per platform', () => {
    assert.deepEqual(locateChromium({}, stub({ files: ['/usr/bin/google-chrome', '/usr/bin/chromium-browser'] })), { path: '/usr/bin/chromium-browser', source: 'system' });
    const mac = '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome';
    assert.deepEqual(locateChromium({}, stub({ platform: 'darwin', files: [mac, '/usr/bin/chromium'] })), { path: mac, source: 'system' });
    assert.equal(locateChromium({}, stub({ platform: 'freebsd', files: ['/usr/bin/chromium'] })), undefined, 'no system paths are known off the listed platforms');
  });

  test("Playwright's cache: the newest revision by number, any known layout; PLAYWRIGHT_BROWSERS_PATH moves it", () => {
    const cache = '/home/u/.cache/ms-playwright';
    const host = stub({
      dirs: { [cache]: ['chromium-999', 'chromium-1200', 'chromium_headless_shell-1200', 'ffmpeg-1011'] },
      files: [`${cache}/chromium-999/chrome-linux/chrome`, `${cache}/chromium-1200/chrome-linux64/chrome`],
    });
    // String order would put chromium-999 first; revisions compare as numbers.
    assert.deepEqual(locateChromium({}, host), { path: `${cache}/chromium-1200/chrome-linux64/chrome`, source: 'playwright-cache' });
    const moved = stub({ env: { PLAYWRIGHT_BROWSERS_PATH: '/srv/pw' }, dirs: { '/srv/pw': ['chromium-5'] }, files: ['/srv/pw/chromium-5/chrome-linux/chrome'] });
    assert.equal(locateChromium({}, moved)?.path, '/srv/pw/chromium-5/chrome-linux/chrome');
    assert.equal(locateChromium({}, stub({})), undefined);
  });
});

describe('installing Chromium', () => {
  const cache = '/home/u/.cache/ms-playwright';

  test('a found browser installs nothing', async () => {
    const host = stub({ files: ['/usr/bin/chromium'] });
    assert.deepEqual(await ensureChromiumOn(host), { path: '/usr/bin/chromium', source: 'system' });
    assert.deepEqual(host.calls, []);
  });

  test("Playwright's download first, run with this Node and playwright-core's own CLI", async () => {
    const host = stub({
      installs: { 'install chromium': { ok: true, dirs: { [cache]: ['chromium-1200'] }, adds: [`${cache}/chromium-1200/chrome-linux64/chrome`] } },
    });
    assert.deepEqual(await ensureChromiumOn(host), { path: `${cache}/chromium-1200/chrome-linux64/chrome`, source: 'playwright-install' });
    assert.deepEqual(host.calls, [`${process.execPath} /pkg/node_modules/playwright-core/cli.js install chromium`]);
  });

  test("as root on Debian, apt-get's chromium when Playwright's download fails", async () => {
    const host = stub({ isRoot: true, files: ['/usr/bin/apt-get'], installs: { 'install -y -qq chromium': { ok: true, adds: ['/usr/bin/chromium'] } } });
    const lines: string[] = [];
    assert.deepEqual(await ensureChromiumOn(host, { log: (l) => lines.push(l) }), { path: '/usr/bin/chromium', source: 'apt-get' });
    assert.deepEqual(host.calls.slice(1), ['/usr/bin/apt-get update -qq', '/usr/bin/apt-get install -y -qq chromium']);
    assert.ok(lines.some((l) => l.includes('apt-get install chromium')), lines.join('\n'));
  });

  test("Ubuntu's chromium-browser when the chromium package does not install", async () => {
    const host = stub({ isRoot: true, files: ['/usr/bin/apt-get'], installs: { 'install -y -qq chromium-browser': { ok: true, adds: ['/snap/bin/chromium'] } } });
    assert.deepEqual(await ensureChromiumOn(host), { path: '/snap/bin/chromium', source: 'apt-get' });
    assert.deepEqual(host.calls.slice(-2), ['/usr/bin/apt-get install -y -qq chromium', '/usr/bin/apt-get install -y -qq chromium-browser']);
  });

  test("an unresolvable playwright-core CLI skips Playwright's download and still reaches apt-get", async () => {
    const host = stub({ isRoot: true, files: ['/usr/bin/apt-get'], cli: { error: 'no bin' }, installs: { 'install -y -qq chromium': { ok: true, adds: ['/usr/bin/chromium'] } } });
    assert.equal((await ensureChromiumOn(host)).source, 'apt-get');
    assert.ok(host.calls.every((c) => c.startsWith('/usr/bin/apt-get')), host.calls.join('\n'));
  });

  test('otherwise the exact message: the install commands and what was tried, per reason', async () => {
    const cases: Array<[Parameters<typeof stub>[0], string]> = [
      [{ files: ['/usr/bin/apt-get'] }, "Tried: Playwright's download failed (no network access to its CDN?); apt-get: not tried (needs root; run the command below with sudo)."],
      [{ isRoot: true }, "Tried: Playwright's download failed (no network access to its CDN?); apt-get: not tried (no /usr/bin/apt-get: not Debian or Ubuntu)."],
      [{ platform: 'darwin', isRoot: true, files: ['/usr/bin/apt-get'] }, "Tried: Playwright's download failed (no network access to its CDN?); apt-get: not tried (not Linux but darwin)."],
      [{ isRoot: true, files: ['/usr/bin/apt-get'], cli: { error: 'gone' } }, "Tried: Playwright's download: not tried (gone); apt-get install chromium: failed; apt-get install chromium-browser: failed."],
      [{ installs: { 'install chromium': { ok: true } } }, "Tried: Playwright's download finished but left no executable where Playwright keeps browsers; apt-get: not tried (no /usr/bin/apt-get: not Debian or Ubuntu)."],
    ];
    for (const [machine, tried] of cases) {
      await assert.rejects(ensureChromiumOn(stub(machine)), (e: unknown) => {
        assert.ok(e instanceof BrowserNotFoundError, String(e));
        assert.equal(e.message, `${chromiumInstallHint()}\n${tried}`);
        return true;
      });
    }
  });

  test("this checkout's playwright-core CLI resolves to a file (the real host, no stubs)", () => {
    const cli = defaultChromiumHost().playwrightCli();
    assert.ok('path' in cli, 'error' in cli ? cli.error : '');
    assert.ok(existsSync(cli.path), cli.path);
  });
});
