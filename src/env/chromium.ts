// Finds a Chromium/Chrome executable for playwright-core (which ships no browser), and installs
// one when asked: Playwright's own download where the network allows it, else Debian/Ubuntu's
// `chromium` package when running as root. Also the launch flags every local browser gets.
//
// Every decision reads the machine through a `ChromiumHost` (platform, environment, files,
// installers), so the whole find-or-install order is tested with the installers stubbed.

import { spawn } from 'node:child_process';
import { accessSync, constants, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { BrowserNotFoundError } from '../errors.js';
import { defineOptions, fn, obj, str, timeoutMs } from '../options.js';

/**
 * Flags for headless Chromium on a machine without GPU or open network: no background
 * networking (it retries closed connections forever), no frame-rate limit (halves the time
 * Playwright waits for animation frames), and WebRTC kept to proxied connections: without it a
 * page's STUN/TURN requests go out as UDP, around the per-context proxy that guards origins
 * (measured: 8 STUN packets to a port outside the task's origins; 0 with the policy).
 */
export const CHROMIUM_FLAGS: readonly string[] = Object.freeze([
  '--webrtc-ip-handling-policy=disable_non_proxied_udp',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-frame-rate-limit',
  '--disable-dev-shm-usage',
]);

/** Where browsers live on each platform, searched in this order. */
export const CHROMIUM_SYSTEM_PATHS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  linux: [
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/lib/chromium/chromium',
    '/snap/bin/chromium',
    '/usr/bin/google-chrome',
    '/usr/bin/google-chrome-stable',
    '/opt/google/chrome/chrome',
  ],
  darwin: [
    '/Applications/Chromium.app/Contents/MacOS/Chromium',
    '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
  ],
  win32: [
    'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
    'C:\\Program Files (x86)\\Google\\Chrome\\Application\\chrome.exe',
  ],
});

/** Executables inside a Playwright `chromium-<revision>` folder, newest layout first. */
const PLAYWRIGHT_BUILD_FILES = ['chrome-linux64/chrome', 'chrome-linux/chrome', 'chrome-mac/Chromium.app/Contents/MacOS/Chromium', 'chrome-win/chrome.exe', 'chrome-win64/chrome.exe'];

/**
 * What the finder reads of the machine. `defaultChromiumHost()` is the real one; tests pass
 * their own to drive every branch without touching the system.
 */
export interface ChromiumHost {
  readonly platform: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly homedir: string;
  readonly isRoot: boolean;
  isExecutable(path: string): boolean;
  /** Entries of a folder; throws when it does not exist. */
  listDir(path: string): string[];
  /** Runs a command to completion; true when it exited 0. Never throws. */
  run(command: string, args: readonly string[], options: { readonly timeoutMs: number; readonly log: (line: string) => void }): Promise<boolean>;
  /** Path of playwright-core's command-line script, or a reason it cannot be found. */
  playwrightCli(): { readonly path: string } | { readonly error: string };
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, platform() === 'win32' ? constants.F_OK : constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function runCommand(command: string, args: readonly string[], options: { readonly timeoutMs: number; readonly log: (line: string) => void }): Promise<boolean> {
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    } catch {
      resolve(false);
      return;
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    const forward = (chunk: Buffer): void => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) options.log(line);
    };
    child.stdout.on('data', forward);
    child.stderr.on('data', forward);
    child.on('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve(code === 0);
    });
  });
}

/**
 * playwright-core's CLI, found through its package.json (which every version exports) and its
 * `bin` entry: deep imports such as `playwright-core/cli` are not in the `exports` of recent
 * versions, so resolving them fails before any install is tried.
 */
function findPlaywrightCli(): { path: string } | { error: string } {
  try {
    const manifest = createRequire(import.meta.url).resolve('playwright-core/package.json');
    const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { bin?: string | Record<string, string> };
    const bin = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin?.['playwright-core'] ?? pkg.bin?.['playwright'];
    if (!bin) return { error: `${manifest} names no command-line script (no "bin")` };
    const path = join(dirname(manifest), bin);
    try {
      accessSync(path, constants.R_OK);
    } catch {
      return { error: `playwright-core's command-line script ${path} does not exist` };
    }
    return { path };
  } catch (e) {
    return { error: `playwright-core is not resolvable from this package: ${(e as Error).message}` };
  }
}

/** The machine this process runs on. */
export function defaultChromiumHost(): ChromiumHost {
  return {
    platform: platform(),
    env: process.env,
    homedir: homedir(),
    isRoot: typeof process.getuid === 'function' && process.getuid() === 0,
    isExecutable: isExecutableFile,
    listDir: (path) => readdirSync(path),
    run: runCommand,
    playwrightCli: findPlaywrightCli,
  };
}

/** Chromium builds Playwright downloaded earlier (`npx playwright-core install chromium`), newest first. */
function playwrightCachePaths(host: ChromiumHost): string[] {
  const root = host.env['PLAYWRIGHT_BROWSERS_PATH'] || join(host.homedir, '.cache', 'ms-playwright');
  let dirs: string[];
  try {
    dirs = host.listDir(root).filter((d) => /^chromium-\d+$/.test(d));
  } catch {
    return [];
  }
  dirs.sort((a, b) => Number(b.slice(9)) - Number(a.slice(9)));
  return dirs.flatMap((d) => PLAYWRIGHT_BUILD_FILES.map((s) => join(root, d, s)));
}

export interface FindChromiumOptions {
  /** An explicit executable; used as is (an error if it does not exist). */
  readonly executablePath?: string;
}

/** The schema of FindChromiumOptions: checked by `findChromium`. */
export const findChromiumOptions = defineOptions<FindChromiumOptions>()('findChromium', obj({
  executablePath: str('a non-empty string (the path of a Chromium or Chrome executable)', { nonEmpty: true }).optional(),
}));

/** Where a found browser came from. */
export type ChromiumSource = 'option' | 'environment' | 'system' | 'playwright-cache' | 'playwright-install' | 'apt-get';

/** The finder's answer, with where the browser came from. */
export interface FoundChromium {
  readonly path: string;
  readonly source: ChromiumSource;
}

/** `findChromium` on a given host, saying where the browser was found. */
export function locateChromium(options: FindChromiumOptions, host: ChromiumHost): FoundChromium | undefined {
  const fromEnv = host.env['CHROMIUM_PATH'] || host.env['PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH'];
  const explicit = options.executablePath ?? fromEnv;
  if (explicit) {
    const from = options.executablePath !== undefined ? 'the executablePath option' : host.env['CHROMIUM_PATH'] ? 'CHROMIUM_PATH' : 'PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH';
    if (!host.isExecutable(explicit)) {
      throw new BrowserNotFoundError(`Chromium executable ${JSON.stringify(explicit)} (from ${from}) does not exist or is not executable. Fix the path, or unset it to search the system.`);
    }
    return { path: explicit, source: options.executablePath !== undefined ? 'option' : 'environment' };
  }
  for (const p of CHROMIUM_SYSTEM_PATHS[host.platform] ?? []) if (host.isExecutable(p)) return { path: p, source: 'system' };
  for (const p of playwrightCachePaths(host)) if (host.isExecutable(p)) return { path: p, source: 'playwright-cache' };
  return undefined;
}

/**
 * Returns the path of a usable Chromium/Chrome: `executablePath`, else `CHROMIUM_PATH` or
 * `PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH`, else the usual system locations, else a browser
 * Playwright downloaded. Returns `undefined` when none exists; throws `BrowserNotFoundError`
 * when an explicit path does not exist.
 */
export function findChromium(options: FindChromiumOptions = {}): string | undefined {
  findChromiumOptions.check(options);
  return locateChromium(options, defaultChromiumHost())?.path;
}

/** What to tell a user who has no browser, per platform. */
export function chromiumInstallHint(): string {
  return [
    'No Chromium or Chrome executable was found. Install one of:',
    '  Debian/Ubuntu:  sudo apt-get install -y chromium   (Ubuntu: chromium-browser)',
    '  macOS:          brew install --cask chromium',
    '  any platform:   npx playwright-core install chromium   (downloads Playwright\'s build)',
    'or point CHROMIUM_PATH at an existing Chrome/Chromium executable.',
  ].join('\n');
}

export interface EnsureChromiumOptions extends FindChromiumOptions {
  /** Progress lines from the installers (default: none). */
  readonly log?: (line: string) => void;
  /** Give up on each installer after this long, in ms (default 10 minutes). */
  readonly timeout?: number;
}

/** The schema of EnsureChromiumOptions: checked by `ensureChromium` before anything is searched or installed. */
export const ensureChromiumOptions = defineOptions<EnsureChromiumOptions>()('ensureChromium', obj({
  ...findChromiumOptions.schema.shape,
  log: fn<NonNullable<EnsureChromiumOptions['log']>>('a function (line) => void').optional(),
  timeout: timeoutMs().optional(),
}));

/**
 * Like `findChromium`, but installs a browser when none is found: first Playwright's download
 * (needs network access to Playwright's CDN), then `apt-get install chromium` when running as
 * root on Linux with apt-get. Throws `BrowserNotFoundError` saying what was tried and the exact
 * commands to run otherwise.
 */
export function ensureChromium(options: EnsureChromiumOptions = {}): Promise<string> {
  return ensureChromiumOn(defaultChromiumHost(), options).then((found) => found.path);
}

/** `ensureChromium` on a given host, saying where the browser came from. */
export async function ensureChromiumOn(host: ChromiumHost, options: EnsureChromiumOptions = {}): Promise<FoundChromium> {
  ensureChromiumOptions.check(options);
  const found = locateChromium(options, host);
  if (found) return found;
  const log = options.log ?? (() => {});
  const timeoutMs = options.timeout ?? 600_000;
  const tried: string[] = [];

  const cli = host.playwrightCli();
  if ('error' in cli) {
    tried.push(`Playwright's download: not tried (${cli.error})`);
    log(`no Chromium found; Playwright's download is unavailable: ${cli.error}`);
  } else {
    log('no Chromium found; trying Playwright\'s browser download (npx playwright-core install chromium)');
    const ok = await host.run(process.execPath, [cli.path, 'install', 'chromium'], { timeoutMs, log });
    const after = ok ? locateChromium(options, host) : undefined;
    if (after) return { path: after.path, source: 'playwright-install' };
    tried.push(ok ? 'Playwright\'s download finished but left no executable where Playwright keeps browsers' : 'Playwright\'s download failed (no network access to its CDN?)');
  }

  const aptGet = '/usr/bin/apt-get';
  if (host.platform !== 'linux') tried.push(`apt-get: not tried (not Linux but ${host.platform})`);
  else if (!host.isExecutable(aptGet)) tried.push('apt-get: not tried (no /usr/bin/apt-get: not Debian or Ubuntu)');
  else if (!host.isRoot) tried.push('apt-get: not tried (needs root; run the command below with sudo)');
  else {
    log('trying apt-get install chromium');
    await host.run(aptGet, ['update', '-qq'], { timeoutMs, log });
    for (const pkg of ['chromium', 'chromium-browser']) {
      if (await host.run(aptGet, ['install', '-y', '-qq', pkg], { timeoutMs, log })) {
        const after = locateChromium(options, host);
        if (after) return { path: after.path, source: 'apt-get' };
      }
      tried.push(`apt-get install ${pkg}: failed`);
    }
  }
  throw new BrowserNotFoundError(`${chromiumInstallHint()}\nTried: ${tried.join('; ')}.`);
}
