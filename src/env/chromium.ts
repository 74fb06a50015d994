// Finds a Chromium/Chrome executable for playwright-core (which ships no browser), and installs
// one when asked: Playwright's own download where the network allows it, else Debian/Ubuntu's
// `chromium` package when running as root. Launch flags measured in PLATFORM.md.

import { spawn } from 'node:child_process';
import { accessSync, constants, readdirSync } from 'node:fs';
import { homedir, platform } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { BrowserNotFoundError } from '../errors.js';

/**
 * Flags for headless Chromium on a machine without GPU or open network: no background
 * networking (it retries closed connections forever), no frame-rate limit (halves the time
 * Playwright waits for animation frames).
 */
export const CHROMIUM_FLAGS: readonly string[] = Object.freeze([
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

const SYSTEM_PATHS: Record<string, readonly string[]> = {
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
};

function isExecutable(path: string): boolean {
  try {
    accessSync(path, platform() === 'win32' ? constants.F_OK : constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Chromium builds Playwright downloaded earlier (`npx playwright-core install chromium`). */
function playwrightCachePaths(): string[] {
  const root = process.env['PLAYWRIGHT_BROWSERS_PATH'] || join(homedir(), '.cache', 'ms-playwright');
  let dirs: string[];
  try {
    dirs = readdirSync(root).filter((d) => d.startsWith('chromium-')).sort().reverse();
  } catch {
    return [];
  }
  const sub = ['chrome-linux64/chrome', 'chrome-linux/chrome', 'chrome-mac/Chromium.app/Contents/MacOS/Chromium', 'chrome-win/chrome.exe'];
  return dirs.flatMap((d) => sub.map((s) => join(root, d, s)));
}

export interface FindChromiumOptions {
  /** An explicit executable; used as is (an error if it does not exist). */
  readonly executablePath?: string;
}

/**
 * Returns the path of a usable Chromium/Chrome: `executablePath`, else `CHROMIUM_PATH` or
 * `PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH`, else the usual system locations, else a browser
 * Playwright downloaded. Returns `undefined` when none exists.
 */
export function findChromium(options: FindChromiumOptions = {}): string | undefined {
  const explicit = options.executablePath ?? process.env['CHROMIUM_PATH'] ?? process.env['PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH'];
  if (explicit) {
    if (!isExecutable(explicit)) {
      throw new BrowserNotFoundError(
        `Chromium executable ${JSON.stringify(explicit)} (from ${options.executablePath ? 'the executablePath option' : 'CHROMIUM_PATH / PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH'}) does not exist or is not executable. Fix the path, or unset it to search the system.`,
      );
    }
    return explicit;
  }
  for (const p of [...(SYSTEM_PATHS[platform()] ?? []), ...playwrightCachePaths()]) {
    if (isExecutable(p)) return p;
  }
  return undefined;
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

function run(cmd: string, args: readonly string[], timeoutMs: number, log: (line: string) => void): Promise<boolean> {
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    } catch {
      resolve(false);
      return;
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const forward = (chunk: Buffer): void => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) log(line);
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

export interface EnsureChromiumOptions extends FindChromiumOptions {
  /** Progress lines from the installers (default: none). */
  readonly log?: (line: string) => void;
  /** Give up on each installer after this long (default 10 minutes). */
  readonly timeout?: number;
}

/**
 * Like `findChromium`, but installs a browser when none is found: first Playwright's download
 * (needs network access to Playwright's CDN), then `apt-get install chromium` when running as
 * root on Debian/Ubuntu. Throws `BrowserNotFoundError` with exact instructions otherwise.
 */
export async function ensureChromium(options: EnsureChromiumOptions = {}): Promise<string> {
  const found = findChromium(options);
  if (found) return found;
  const log = options.log ?? (() => {});
  const timeout = options.timeout ?? 600_000;
  const cli = createRequire(import.meta.url).resolve('playwright-core/cli');
  log('no Chromium found; trying Playwright\'s browser download');
  if (await run(process.execPath, [cli, 'install', 'chromium'], timeout, log)) {
    const after = findChromium(options);
    if (after) return after;
  }
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (platform() === 'linux' && isRoot && isExecutable('/usr/bin/apt-get')) {
    log('trying apt-get install chromium');
    await run('/usr/bin/apt-get', ['update', '-qq'], timeout, log);
    for (const pkg of ['chromium', 'chromium-browser']) {
      if (await run('/usr/bin/apt-get', ['install', '-y', '-qq', pkg], timeout, log)) {
        const after = findChromium(options);
        if (after) return after;
      }
    }
  }
  throw new BrowserNotFoundError(chromiumInstallHint());
}
