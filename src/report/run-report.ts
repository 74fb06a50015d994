// The run report: one self-contained HTML file per run folder (trainWebAgent's `out`), opened
// offline with no server. Learning curves are drawn here as inline SVG (BC loss per step; GRPO's
// reward mean, KL, clip ratio, entropy, invalid actions and turns per iteration), the evaluation
// tables per site and template at each stage, and a trajectory viewer: every evaluation episode
// step by step (the page as the agent saw it, its reply, the action, the action's error) with the
// reward and the checker's reason, filtered by stage, site, template and outcome, and stepped
// through with the keyboard (j/k: episode, arrow keys: step).

import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { OptionsError } from '../errors.js';

type Row = Record<string, unknown>;

interface Episode {
  readonly stage: string;
  readonly taskId: string;
  readonly site: string;
  readonly template: string;
  readonly reward: number;
  readonly reason: string;
  readonly error?: string;
  readonly steps: readonly { readonly page: string; readonly url: string; readonly title: string; readonly reply: string; readonly action: string; readonly error: string | null }[];
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function readJsonl(file: string): Promise<Row[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return text.split('\n').filter((l) => l.trim() !== '').map((l, i) => {
    try {
      return JSON.parse(l) as Row;
    } catch {
      throw new OptionsError(`${file}:${i + 1}: not a JSON line; was the run folder written by trainWebAgent?`);
    }
  });
}

/** A line chart of `points` as an SVG: axes with min/max labels, one polyline, dots when few points. */
function chart(title: string, points: readonly [number, number][]): string {
  const w = 320;
  const h = 150;
  const pad = { l: 44, r: 10, t: 24, b: 22 };
  if (points.length === 0) return '';
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (y0 === y1) [y0, y1] = [y0 - 0.5, y1 + 0.5];
  const sx = (x: number): number => pad.l + (x1 === x0 ? (w - pad.l - pad.r) / 2 : ((x - x0) / (x1 - x0)) * (w - pad.l - pad.r));
  const sy = (y: number): number => h - pad.b - ((y - y0) / (y1 - y0)) * (h - pad.t - pad.b);
  const fmt = (v: number): string => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(2));
  const fmtX = (v: number): string => (xs.every(Number.isInteger) ? String(v) : fmt(v));
  const line = points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ');
  const dots = points.length <= 30 ? points.map(([x, y]) => `<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="2.5"/>`).join('') : '';
  return `<figure class="chart"><svg viewBox="0 0 ${w} ${h}" role="img" aria-label="${esc(title)}">
<text x="${pad.l}" y="14" class="title">${esc(title)}</text>
<line x1="${pad.l}" y1="${h - pad.b}" x2="${w - pad.r}" y2="${h - pad.b}" class="axis"/><line x1="${pad.l}" y1="${pad.t}" x2="${pad.l}" y2="${h - pad.b}" class="axis"/>
<text x="${pad.l - 4}" y="${sy(y1) + 4}" class="tick" text-anchor="end">${fmt(y1)}</text><text x="${pad.l - 4}" y="${sy(y0) + 4}" class="tick" text-anchor="end">${fmt(y0)}</text>
<text x="${pad.l}" y="${h - 6}" class="tick">${fmtX(x0)}</text><text x="${w - pad.r}" y="${h - 6}" class="tick" text-anchor="end">${fmtX(x1)}</text>
<path d="${line}" class="line"/>${dots}</svg></figure>`;
}

function episodeOf(row: Row): Episode {
  const turns = Array.isArray(row.turns) ? (row.turns as Row[]) : [];
  const check = (row.check ?? {}) as Row;
  return {
    stage: String(row.stage ?? ''), taskId: String(row.taskId ?? ''), site: String(row.site ?? ''), template: String(row.template ?? ''),
    reward: Number(row.reward ?? 0), reason: String(check.reason ?? ''), ...(typeof row.error === 'string' ? { error: row.error } : {}),
    steps: turns.map((t, i) => {
      const messages = Array.isArray(t.prompt) ? (t.prompt as Row[]) : [];
      const lastUser = [...messages].reverse().find((m) => m.role === 'user');
      const obs = (t.observation ?? {}) as Row;
      // A turn records the page before its action; the action's own error is on the next turn's page.
      const after = ((turns[i + 1]?.observation ?? {}) as Row).error;
      return { page: String(lastUser?.content ?? ''), url: String(obs.url ?? ''), title: String(obs.title ?? ''), reply: String(t.text ?? ''), action: JSON.stringify(t.action ?? null), error: typeof after === 'string' ? after : null };
    }),
  };
}

function evaluationTables(reports: Record<string, Row>): string {
  const stages = Object.keys(reports);
  if (stages.length === 0) return '<p class="muted">No evaluation in this run (no test tasks).</p>';
  const table = (key: 'perSite' | 'perTemplate', label: string): string => {
    const rows = [...new Set(stages.flatMap((s) => Object.keys((reports[s]![key] ?? {}) as Row)))].sort();
    const cell = (s: string, r: string): string => {
      const rate = ((reports[s]![key] ?? {}) as Record<string, { success: number; episodes: number } | undefined>)[r];
      return rate ? `${(rate.success * 100).toFixed(0)}% <span class="muted">of ${rate.episodes}</span>` : '';
    };
    return `<table><thead><tr><th>${label}</th>${stages.map((s) => `<th>${esc(s)}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr><td>${esc(r)}</td>${stages.map((s) => `<td>${cell(s, r)}</td>`).join('')}</tr>`).join('')}<tr class="total"><td>all</td>${stages.map((s) => `<td>${(Number(reports[s]!.success) * 100).toFixed(0)}% <span class="muted">of ${String(reports[s]!.episodes)}</span></td>`).join('')}</tr></tbody></table>`;
  };
  return table('perSite', 'site') + table('perTemplate', 'template');
}

const STYLE = `
:root{--bg:#f7f7f5;--card:#fff;--ink:#1d2125;--muted:#6b7178;--line:#2f6fde;--ok:#1d8a4e;--bad:#c23b32;--edge:#e2e3e0}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;background:var(--bg);color:var(--ink)}
header{padding:20px 28px;background:#1d2125;color:#fff}header h1{margin:0;font-size:20px}header p{margin:4px 0 0;color:#b9bec4}
main{padding:20px 28px;max-width:1400px}section{background:var(--card);border:1px solid var(--edge);border-radius:8px;padding:16px 18px;margin-bottom:18px}
h2{margin:0 0 12px;font-size:16px}.charts{display:flex;flex-wrap:wrap;gap:12px}.chart{margin:0;width:320px}
svg .title{font-size:12px;font-weight:600;fill:var(--ink)}svg .tick{font-size:10px;fill:var(--muted)}svg .axis{stroke:#c9cbc7}
svg .line{fill:none;stroke:var(--line);stroke-width:2}svg circle{fill:var(--line)}
table{border-collapse:collapse;margin:0 18px 12px 0;display:inline-table;vertical-align:top}th,td{padding:4px 10px;border-bottom:1px solid var(--edge);text-align:left}
th{font-weight:600;font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.03em}tr.total td{font-weight:600}.muted{color:var(--muted);font-size:12px}
.viewer{display:grid;grid-template-columns:320px 1fr;gap:16px}.filters{display:flex;flex-wrap:wrap;gap:8px;margin-bottom:10px}
select{font:inherit;padding:3px 6px}#episodes{max-height:620px;overflow:auto;border:1px solid var(--edge);border-radius:6px}
.ep{padding:7px 10px;border-bottom:1px solid var(--edge);cursor:pointer}.ep.sel{background:#e8f0fd}.ep .id{font-weight:600}
.badge{display:inline-block;padding:0 6px;border-radius:9px;font-size:11px;color:#fff}.win{background:var(--ok)}.loss{background:var(--bad)}
#detail h3{margin:0 0 4px}.step-nav{display:flex;align-items:center;gap:8px;margin:10px 0}button{font:inherit;padding:3px 10px}
pre{white-space:pre-wrap;word-break:break-word;background:#f2f3f1;border-radius:6px;padding:10px;margin:4px 0 10px;max-height:360px;overflow:auto;font:12px/1.4 ui-monospace,Menlo,monospace}
.err{color:var(--bad)}kbd{border:1px solid #bbb;border-bottom-width:2px;border-radius:3px;padding:0 4px;font-size:11px}`;

const SCRIPT = `
const episodes = JSON.parse(document.getElementById('data').textContent);
const list = document.getElementById('episodes'), detail = document.getElementById('detail');
const filters = { stage: document.getElementById('f-stage'), site: document.getElementById('f-site'), template: document.getElementById('f-template'), outcome: document.getElementById('f-outcome') };
for (const key of ['stage', 'site', 'template']) for (const v of [...new Set(episodes.map((e) => e[key]))].sort()) filters[key].add(new Option(v, v));
let shown = [], current = 0, step = 0;
const text = (tag, value, cls) => { const el = document.createElement(tag); el.textContent = value; if (cls) el.className = cls; return el; };
function visible() {
  return episodes.filter((e) => (!filters.stage.value || e.stage === filters.stage.value) && (!filters.site.value || e.site === filters.site.value)
    && (!filters.template.value || e.template === filters.template.value) && (!filters.outcome.value || (filters.outcome.value === 'success') === (e.reward > 0)));
}
function renderList() {
  shown = visible(); list.replaceChildren();
  shown.forEach((e, i) => {
    const row = document.createElement('div'); row.className = 'ep' + (i === current ? ' sel' : ''); row.dataset.index = String(i);
    row.append(text('span', e.taskId, 'id'), text('span', ' ' + e.stage + ' '), text('span', e.reward > 0 ? 'success' : 'failure', 'badge ' + (e.reward > 0 ? 'win' : 'loss')));
    row.onclick = () => { current = i; step = 0; render(); };
    list.append(row);
  });
}
function renderDetail() {
  detail.replaceChildren();
  const e = shown[current];
  if (!e) { detail.append(text('p', 'No episode matches the filters.', 'muted')); return; }
  detail.append(text('h3', e.taskId), text('div', e.stage + ' · ' + e.site + ' · ' + e.template + ' · reward ' + e.reward + ' · ' + e.reason, 'muted'));
  if (e.error) detail.append(text('div', 'stopped: ' + e.error, 'err'));
  const nav = document.createElement('div'); nav.className = 'step-nav';
  const prev = text('button', '← step'), next = text('button', 'step →');
  prev.onclick = () => move(-1); next.onclick = () => move(1);
  nav.append(prev, text('span', e.steps.length ? 'step ' + (step + 1) + ' of ' + e.steps.length : 'no steps', 'step-label'), next);
  detail.append(nav);
  const s = e.steps[step]; if (!s) return;
  detail.append(text('div', s.title + ' — ' + s.url, 'muted'), text('h4', 'The page, as the agent saw it'), text('pre', s.page, 'page'), text('h4', 'Reply'), text('pre', s.reply, 'reply'), text('h4', 'Action'), text('pre', s.action));
  if (s.error) detail.append(text('div', 'action error: ' + s.error, 'err'));
}
function render() { renderList(); renderDetail(); list.querySelector('.sel')?.scrollIntoView({ block: 'nearest' }); }
function move(d) { const e = shown[current]; if (!e) return; step = Math.max(0, Math.min(e.steps.length - 1, step + d)); renderDetail(); }
for (const f of Object.values(filters)) f.onchange = () => { current = 0; step = 0; render(); };
document.addEventListener('keydown', (ev) => {
  if (ev.target instanceof HTMLSelectElement) return;
  if (ev.key === 'ArrowRight') move(1); else if (ev.key === 'ArrowLeft') move(-1);
  else if (ev.key === 'j' || ev.key === 'ArrowDown') { current = Math.min(shown.length - 1, current + 1); step = 0; render(); ev.preventDefault(); }
  else if (ev.key === 'k' || ev.key === 'ArrowUp') { current = Math.max(0, current - 1); step = 0; render(); ev.preventDefault(); }
});
render();`;

/**
 * Writes `report.html` into a run folder (trainWebAgent's `out`) and returns its path: one
 * self-contained file, no network and no server needed to open it.
 */
export async function writeRunReport(runDir: string): Promise<string> {
  let results: Row;
  try {
    results = JSON.parse(await readFile(path.join(runDir, 'results.json'), 'utf8')) as Row;
  } catch (error) {
    throw new OptionsError(`writeRunReport: ${runDir} has no readable results.json (${(error as Error).message}); pass the run folder trainWebAgent's \`out\` (or webagent-r1 train --out) wrote`);
  }
  const metrics = await readJsonl(path.join(runDir, 'metrics.jsonl'));
  const episodes = (await readJsonl(path.join(runDir, 'episodes.jsonl'))).map(episodeOf);
  const bc = metrics.filter((m) => m.stage === 'bc');
  const grpo = metrics.filter((m) => m.stage === 'grpo');
  const series = (rows: Row[], x: string, y: string): [number, number][] => rows.filter((r) => typeof r[y] === 'number' && Number.isFinite(r[y])).map((r) => [Number(r[x]), Number(r[y])]);
  const charts = [
    chart('BC loss (per step)', series(bc, 'step', 'loss')),
    chart('GRPO reward mean', series(grpo, 'iteration', 'reward_mean')),
    chart('GRPO KL', series(grpo, 'iteration', 'kl')),
    chart('GRPO clip ratio', series(grpo, 'iteration', 'clip_ratio')),
    chart('GRPO entropy', series(grpo, 'iteration', 'entropy')),
    chart('GRPO invalid actions', series(grpo, 'iteration', 'invalid_action_rate')),
    chart('GRPO turns per episode', series(grpo, 'iteration', 'turns_mean')),
  ].filter(Boolean);
  const reports = (results.reports ?? {}) as Record<string, Row>;
  const data = JSON.stringify(episodes).replace(/</g, '\\u003c');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>webagent-r1 run: ${esc(path.basename(path.resolve(runDir)))}</title><style>${STYLE}</style></head>
<body><header><h1>webagent-r1 run: ${esc(path.basename(path.resolve(runDir)))}</h1><p>${String(results.demonstrations ?? 0)} demonstrations · ${bc.length} BC steps · ${grpo.length} GRPO iterations · ${episodes.length} evaluation episodes</p></header>
<main>
<section><h2>Learning curves</h2><div class="charts">${charts.join('') || '<p class="muted">No training metrics in this run.</p>'}</div></section>
<section><h2>Evaluation (greedy, test split)</h2>${evaluationTables(reports)}</section>
<section><h2>Episodes</h2><p class="muted"><kbd>j</kbd>/<kbd>k</kbd> next/previous episode · <kbd>←</kbd>/<kbd>→</kbd> previous/next step</p>
<div class="filters"><select id="f-stage"><option value="">every stage</option></select><select id="f-site"><option value="">every site</option></select><select id="f-template"><option value="">every template</option></select><select id="f-outcome"><option value="">success and failure</option><option value="success">success</option><option value="failure">failure</option></select></div>
<div class="viewer"><div id="episodes"></div><div id="detail"></div></div></section>
</main>
<script type="application/json" id="data">${data}</script>
<script>${SCRIPT}</script>
</body></html>
`;
  const out = path.join(runDir, 'report.html');
  await writeFile(out, html);
  return out;
}
