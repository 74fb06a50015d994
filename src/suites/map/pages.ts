// HTML building blocks of the map site: the page shell (header with search and a short nav),
// CSS, place rows, the small decorative SVG map (hidden from the accessibility tree) and the
// place detail page.

import { documentHtml, esc, withQuery } from '../framework/html.js';
import { currentDetails, kindSlug, latLon, manhattan, nearest, plural, ROAD_FACTOR, type MapData, type MapPlace, type MapState } from './data.js';

const CSS = `
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#222;background:#f2efe9;line-height:1.45}
a{color:#2a5d8f}
header.top{display:flex;align-items:center;gap:18px;padding:10px 24px;background:#7ebc6f;color:#fff;flex-wrap:wrap}
header.top .logo{color:#fff;font-weight:700;font-size:20px;text-decoration:none}
header.top form{display:flex;gap:6px}
header.top input{padding:6px 9px;border:0;border-radius:4px;font-size:15px;width:260px}
header.top button,.btn{padding:6px 12px;border:0;border-radius:4px;background:#2a5d8f;color:#fff;font-weight:600;cursor:pointer;font-size:14px}
header.top nav{display:flex;gap:16px;margin-left:auto}
header.top nav a{color:#fff;font-weight:600;text-decoration:none}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap}
main{max-width:900px;margin:0 auto;padding:18px 24px 40px}
.panel{background:#fff;border:1px solid #ddd6c8;border-radius:6px;padding:14px 18px;margin-bottom:16px}
.cols{display:grid;grid-template-columns:1fr 150px;gap:18px}
ul.plain{list-style:none;padding:0;margin:0}
ul.plain li{padding:5px 0;border-bottom:1px solid #eee}
.muted{color:#666;font-size:14px}
.flash{background:#e6f4e1;border:1px solid #9ccf8e;padding:8px 12px;border-radius:4px;margin-bottom:14px}
.error{background:#fbe9e7;border:1px solid #e3a59b;padding:8px 12px;border-radius:4px;margin-bottom:14px}
form.stack{display:grid;gap:8px;max-width:420px}
form.stack input,form.stack select,form.stack textarea{padding:6px 8px;font-size:15px;border:1px solid #bbb;border-radius:4px}
.inline{display:inline}
.links a{margin-right:14px}
svg.mini{background:#e8f0e0;border:1px solid #cbd8bd;border-radius:4px}
.pager{margin-top:10px}
.pager a{margin:0 8px}
`;

/** The whole page: header (logo, search, nav), optional flash message, main content. */
export function layout(title: string, body: string, options: { query?: string; flash?: string; error?: string } = {}): string {
  const header = `<header class="top"><a class="logo" href="/">OpenCityMap</a>
<form action="/search" method="get" role="search"><label class="sr-only" for="q">Search</label><input id="q" name="q" type="text" placeholder="Search places, e.g. pharmacy" value="${esc(options.query ?? '')}"><button type="submit">Search</button></form>
<nav aria-label="Main"><a href="/directions">Directions</a><a href="/categories">Categories</a><a href="/saved">My places</a></nav></header>`;
  const flash = options.flash ? `<p class="flash" role="status">${esc(options.flash)}</p>` : '';
  const error = options.error ? `<p class="error" role="alert">${esc(options.error)}</p>` : '';
  return documentHtml(`${title} — OpenCityMap`, CSS, `${header}<main>${flash}${error}${body}</main>`);
}

export const placeHref = (p: MapPlace): string => `/place/${p.slug}`;
export const categoryHref = (kind: string, area?: string): string => withQuery(`/category/${kindSlug(kind)}`, { area });

/** Walking distance as lists show it ("1.2 km"). */
export const walkKm = (a: MapPlace, b: MapPlace): string => `${((manhattan(a, b) / 1000) * ROAD_FACTOR.walk).toFixed(1)} km`;

/** One list row: the place's link, then "Category · address · neighbourhood". */
export function placeRow(data: MapData, p: MapPlace, extra = ''): string {
  const area = data.areaBySlug.get(p.area)?.name ?? '';
  return `<li><a href="${placeHref(p)}">${esc(p.name)}</a><div class="muted">${esc(p.kind)} · ${esc(p.address)} · ${esc(area)}${extra ? ` · ${esc(extra)}` : ''}</div></li>`;
}

/** A small decorative map of the city grid with dots (aria-hidden: not part of the observation). */
export function miniMap(points: ReadonlyArray<{ p: MapPlace; color: string }>): string {
  const dots = points.map(({ p, color }) => `<circle cx="${(p.x / 60).toFixed(1)}" cy="${(150 - p.y / 60).toFixed(1)}" r="4" fill="${color}"/>`).join('');
  const grid = [50, 100].map((v) => `<line x1="${v}" y1="0" x2="${v}" y2="150" stroke="#b9c9a8"/><line x1="0" y1="${v}" x2="150" y2="${v}" stroke="#b9c9a8"/>`).join('');
  return `<svg class="mini" aria-hidden="true" width="150" height="150" viewBox="0 0 150 150">${grid}${dots}</svg>`;
}

/** The place page: details, directions links, save / home buttons, nearby places. */
export function placePage(data: MapData, state: MapState, p: MapPlace, flash?: string): string {
  const area = data.areaBySlug.get(p.area)!;
  const { phone, hours } = currentDetails(state, p);
  const saved = state.saved.includes(p.slug);
  const isHome = state.home === p.slug;
  const near = nearest(data, p).slice(0, 5);
  const details = `<div class="panel cols"><div>
<h1>${esc(p.name)}</h1>
<p>Category: ${esc(p.kind)}</p>
<p>Address: ${esc(p.address)}</p>
<p>Neighbourhood: ${esc(area.name)}</p>
<p>Coordinates: ${latLon(p)}</p>
<p>Phone: ${esc(phone)}</p>
<p>Opening hours: Mon–Fri ${esc(hours.weekday)}; Sat ${esc(hours.saturday)}; Sun ${esc(hours.sunday)}</p>
<p>Rating: ${p.rating.toFixed(1)} / 5</p>${isHome ? '<p><b>This is your home location.</b></p>' : ''}
</div>${miniMap([{ p, color: '#d9534f' }])}</div>`;
  const actions = `<div class="panel links">
<a href="${esc(withQuery('/directions', { from: p.name }))}">Directions from here</a><a href="${esc(withQuery('/directions', { to: p.name }))}">Directions to here</a><a href="${placeHref(p)}/edit">Suggest an edit</a>
<p>${
    saved
      ? `<form class="inline" method="post" action="${placeHref(p)}/unsave"><button class="btn" type="submit">Remove from My places</button></form>`
      : `<form class="inline" method="post" action="${placeHref(p)}/save"><button class="btn" type="submit">Save place</button></form>`
  } ${isHome ? '' : `<form class="inline" method="post" action="${placeHref(p)}/home"><button class="btn" type="submit">Set as home</button></form>`}</p></div>`;
  const nearby = `<div class="panel"><h2>Nearby</h2><ul class="plain">${near
    .map((n) => `<li><a href="${placeHref(n)}">${esc(n.name)}</a> <span class="muted">${esc(n.kind)} · ${walkKm(p, n)}</span></li>`)
    .join('')}</ul>
<p><a href="${esc(categoryHref(p.kind, area.slug))}">More ${esc(plural(p.kind).toLowerCase())} in ${esc(area.name)}</a></p></div>`;
  return layout(p.name, details + actions + nearby, flash ? { flash } : {});
}
