// The PyTorch peer for `npm run bench:policy`: runs bench/torch/train.py (the same Llama/Qwen2
// model and training step as the tfjs TransformerLM) under Debian's /usr/bin/python3 and
// returns its training speed, or null with a one-line reason when PyTorch is missing or the run
// fails. Follows ../shared/PLATFORM.md "The peer for training speed": torch 1.13 from
// `apt-get install -y python3-torch libopenblas0-pthread`, OPENBLAS_NUM_THREADS=1 with
// torch.set_num_threads(2), and OPENBLAS_CORETYPE=SkylakeX where OpenBLAS 0.3.21 misdetects an
// AVX-512 CPU. On a CPU without AVX-512 that forced core type dies with SIGILL, so it is only set
// when /proc/cpuinfo lists avx512f (OpenBLAS's own detection is right otherwise, e.g. Zen).

import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

/** Debian's python, which python3-torch installs into (not the `python3` first on PATH). */
export const TORCH_PYTHON = '/usr/bin/python3';
export const TORCH_SCRIPT = fileURLToPath(new URL('./torch/train.py', import.meta.url));
const INSTALL = ['install', '-y', 'python3-torch', 'libopenblas0-pthread'] as const;
const INSTALL_HINT = `sudo apt-get install -y ${INSTALL.slice(2).join(' ')}`;

/** Model, batch and timing for one peer run (names follow the tfjs bench; HF names in comments). */
export interface TorchTrainArgs {
  readonly hidden: number; // hidden_size
  readonly layers: number; // num_hidden_layers
  readonly heads: number; // num_attention_heads
  readonly kvHeads?: number; // num_key_value_heads (default: heads)
  readonly intermediate: number; // intermediate_size
  readonly vocab: number; // vocab_size
  readonly seq: number;
  readonly batch: number;
  /** Supervised (loss-bearing) tokens at the end of each row. */
  readonly completion: number;
  readonly tie?: boolean; // tie_word_embeddings
  readonly bias?: boolean; // attention_bias (Qwen2 q/k/v bias)
  readonly ropeTheta?: number;
  readonly rmsNormEps?: number;
  readonly steps?: number; // timed steps (default 10)
  readonly warmup?: number; // untimed steps first (default 3)
  readonly seed?: number;
  readonly threads?: number; // torch.set_num_threads (default 2)
}

/** The JSON line printed by train.py, field names as printed. */
export interface TorchTrainResult {
  /** batch * seq * steps / seconds (every token processed counts). */
  readonly train_tokens_per_s: number;
  readonly step_ms: number;
  /** Parameters, a tied embedding counted once. */
  readonly params: number;
  readonly torch_version: string;
  readonly threads: number;
  /** The BLAS really loaded, e.g. "OpenBLAS 0.3.21 core=Zen threads=1". */
  readonly blas: string;
  /** Loss of the last timed step (random tokens: about ln(vocab)). */
  readonly loss: number;
  /** OPENBLAS_CORETYPE given to the run, or null when OpenBLAS detected the CPU itself. */
  readonly openblas_coretype: string | null;
}

export interface TorchPeerOptions {
  readonly log?: (s: string) => void;
  /** Kill the training run after this long (default 10 minutes). */
  readonly timeoutMs?: number;
}

/** OPENBLAS_CORETYPE for this machine: the caller's own, SkylakeX on AVX-512 CPUs, else none. */
export function openblasCoretype(): string | null {
  const own = process.env.OPENBLAS_CORETYPE;
  if (own) return own;
  try {
    return /^flags\s*:.*\bavx512f\b/m.test(readFileSync('/proc/cpuinfo', 'utf8')) ? 'SkylakeX' : null;
  } catch {
    return null;
  }
}

function torchEnv(): NodeJS.ProcessEnv {
  const core = openblasCoretype();
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: '1' };
  if (core) env.OPENBLAS_CORETYPE = core;
  else delete env.OPENBLAS_CORETYPE;
  return env;
}

/** Why a child failed, in one line: timeout, signal, exit code, last stderr line. */
function failure(err: unknown): string {
  const e = err as { killed?: boolean; signal?: string | null; code?: number | string; stderr?: string; message?: string };
  const last = (e.stderr ?? '').trim().split('\n').filter((l) => l.trim()).pop() ?? '';
  if (e.killed && e.signal === 'SIGTERM') return 'timed out';
  const how = e.signal ? `killed by ${e.signal}` : e.code !== undefined ? `exit ${String(e.code)}` : (e.message ?? 'failed');
  const hint = e.signal === 'SIGILL' ? ' (wrong OPENBLAS_CORETYPE for this CPU?)' : '';
  return `${how}${hint}${last ? `: ${last}` : ''}`;
}

async function canImportTorch(): Promise<{ ok: true } | { ok: false; why: string }> {
  if (!existsSync(TORCH_PYTHON)) return { ok: false, why: `${TORCH_PYTHON} does not exist` };
  try {
    await execFileP(TORCH_PYTHON, ['-c', 'import torch'], { env: torchEnv(), timeout: 120_000 });
    return { ok: true };
  } catch (err) {
    return { ok: false, why: failure(err) };
  }
}

/** Runs a command with its output going line by line to `log`; resolves with success and output. */
function runLogged(cmd: string, args: readonly string[], log: (s: string) => void, timeoutMs: number): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    let output = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const forward = (chunk: Buffer): void => {
      const text = chunk.toString();
      output += text;
      for (const line of text.split('\n')) if (line.trim()) log(line);
    };
    child.stdout.on('data', forward);
    child.stderr.on('data', forward);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ ok: false, output: output + String(err) });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ ok: code === 0, output });
    });
  });
}

/** True when Debian's libopenblas0-pthread is installed (python3-torch only recommends it). */
async function hasOpenBlas(): Promise<boolean> {
  try {
    const { stdout } = await execFileP('dpkg-query', ['-W', '-f=${Status}', 'libopenblas0-pthread'], { timeout: 30_000 });
    return stdout.includes('install ok installed');
  } catch {
    return false;
  }
}

/** apt-get install of INSTALL as root, with `apt-get update` first only when the lists lack the packages. */
async function aptInstall(log: (s: string) => void): Promise<boolean> {
  const apt = '/usr/bin/apt-get';
  if (process.getuid?.() !== 0 || !existsSync(apt)) return false;
  let res = await runLogged(apt, INSTALL, log, 900_000);
  if (!res.ok && /Unable to locate package|has no installation candidate|404\s+Not Found/i.test(res.output)) {
    log('torch peer: packages not in the apt lists; running apt-get update and retrying');
    const upd = await runLogged(apt, ['update'], log, 600_000);
    if (upd.ok) res = await runLogged(apt, INSTALL, log, 900_000);
  }
  return res.ok;
}

/**
 * True when /usr/bin/python3 can import torch. If it cannot, or if OpenBLAS is missing (torch
 * then runs on the reference BLAS, several times slower: no fair peer), and we are root on a
 * system with apt-get, installs python3-torch and libopenblas0-pthread and checks again. Never
 * throws: on false, `log` has been told exactly what to install.
 */
export async function ensureTorch(log: (s: string) => void): Promise<boolean> {
  const first = await canImportTorch();
  if (first.ok) {
    if (!(await hasOpenBlas())) {
      log(`torch peer: libopenblas0-pthread is not installed; installing with apt-get ${INSTALL.join(' ')}`);
      if (!(await aptInstall(log))) log(`torch peer: could not install OpenBLAS (numbers will be slow); try: ${INSTALL_HINT}`);
    }
    return true;
  }
  if (existsSync(TORCH_PYTHON) && process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    log(`torch peer: ${TORCH_PYTHON} cannot import torch (${first.why}); installing with apt-get ${INSTALL.join(' ')}`);
    await aptInstall(log);
    const again = await canImportTorch();
    if (again.ok) return true;
    log(`torch peer skipped: install did not give ${TORCH_PYTHON} a working torch (${again.why}); try: ${INSTALL_HINT}`);
    return false;
  }
  log(`torch peer skipped: ${TORCH_PYTHON} cannot import torch (${first.why}); install it with: ${INSTALL_HINT}`);
  return false;
}

function toArgv(a: TorchTrainArgs): string[] {
  const argv = [
    '--hidden', a.hidden, '--layers', a.layers, '--heads', a.heads, '--kv-heads', a.kvHeads ?? a.heads,
    '--intermediate', a.intermediate, '--vocab', a.vocab, '--seq', a.seq, '--batch', a.batch,
    '--completion', a.completion, '--steps', a.steps ?? 10, '--warmup', a.warmup ?? 3,
    '--seed', a.seed ?? 0, '--threads', a.threads ?? 2,
  ].map(String);
  if (a.ropeTheta !== undefined) argv.push('--rope-theta', String(a.ropeTheta));
  if (a.rmsNormEps !== undefined) argv.push('--eps', String(a.rmsNormEps));
  if (a.tie) argv.push('--tie');
  if (a.bias) argv.push('--bias');
  return argv;
}

function parseResult(stdout: string, coretype: string | null): TorchTrainResult | string {
  const line = stdout.trim().split('\n').reverse().find((l) => l.trim().startsWith('{'));
  if (!line) return 'no JSON line on stdout';
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return `unparsable output: ${line.slice(0, 200)}`;
  }
  const num = (k: string): number => (typeof j[k] === 'number' ? j[k] : Number.NaN);
  const str = (k: string): string => (typeof j[k] === 'string' ? j[k] : '');
  const r: TorchTrainResult = {
    train_tokens_per_s: num('train_tokens_per_s'),
    step_ms: num('step_ms'),
    params: num('params'),
    torch_version: str('torch_version'),
    threads: num('threads'),
    blas: str('blas'),
    loss: num('loss'),
    openblas_coretype: coretype,
  };
  if (!(r.train_tokens_per_s > 0) || !(r.step_ms > 0) || !(r.params > 0)) return `bad result: ${line.slice(0, 200)}`;
  return r;
}

/**
 * Trains the peer model for `steps` timed steps (after `warmup`) and returns its speed, or null
 * after logging one line saying why (torch not available, the run failed or timed out).
 */
export async function runTorchTrain(args: TorchTrainArgs, opts: TorchPeerOptions = {}): Promise<TorchTrainResult | null> {
  const log = opts.log ?? ((s: string) => console.error(s));
  if (!(await ensureTorch(log))) return null;
  const coretype = openblasCoretype();
  let stdout: string;
  try {
    ({ stdout } = await execFileP(TORCH_PYTHON, [TORCH_SCRIPT, ...toArgv(args)], {
      env: torchEnv(),
      timeout: opts.timeoutMs ?? 600_000,
      maxBuffer: 16 * 1024 * 1024,
    }));
  } catch (err) {
    log(`torch peer failed: ${failure(err)}`);
    return null;
  }
  const res = parseResult(stdout, coretype);
  if (typeof res === 'string') {
    log(`torch peer failed: ${res}`);
    return null;
  }
  if (!/openblas|mkl/i.test(res.blas)) {
    log(`torch peer: BLAS is "${res.blas}", not OpenBLAS: numbers will be slow; install libopenblas0-pthread`);
  }
  return res;
}
