// The map site (OpenCityMap): a text-first city map like OpenStreetMap. Search places by name
// or category ("pharmacy near River Cafe" sorts by distance), place pages with details, nearby
// places and directions links, a directions form (walk / bike / car), category and neighbourhood
// browsing, and per-session saved places, home location and suggested edits.

import { esc, pager, pageParam, paginate, withQuery } from '../framework/html.js';
import type { RequestContext, RouteResult, SiteDefinition } from '../framework/site.js';
import type { World } from '../world.js';
import {
  MODE_LABEL, PLACE_COUNT, ROAD_FACTOR, SPEED_KMH, TRAVEL_MODES, createMapState, currentDetails, kindSlug, manhattan, normalizeHours, plural, resolvePlace, roadKm, searchPlaces, travelMinutes,
  type MapPlace, type MapState, type TravelMode,
} from './data.js';
import { categoryHref, layout, miniMap, placeHref, placePage, placeRow, walkKm } from './pages.js';
import { PLACE_KINDS } from '../words.js';

type Ctx = RequestContext<World, MapState>;

const PER_PAGE = 10;

const MESSAGES: Readonly<Record<string, (name: string) => string>> = {
  saved: (n) => `Saved ${n} to My places.`,
  unsaved: (n) => `Removed ${n} from My places.`,
  home: (n) => `${n} is now your home location.`,
  edited: () => 'Thank you! Your suggested edit was submitted and is shown below.',
};

function notFound(what: string): RouteResult {
  return { html: layout('Not found', `<div class="panel"><h1>Not found</h1><p>${esc(what)}</p><p><a href="/">Back to the map</a></p></div>`), status: 404 };
}

function home(ctx: Ctx): RouteResult {
  const { map } = ctx.world;
  const kinds = PLACE_KINDS.map((k) => `<a href="${esc(categoryHref(k))}">${esc(plural(k))}</a>`).join(' ');
  const areas = map.areas.map((a) => `<a href="/area/${a.slug}">${esc(a.name)}</a>`).join(' ');
  const body = `<div class="panel"><h1>Explore the city</h1><p>${PLACE_COUNT} places in ${map.areas.length} neighbourhoods. Search by name or category, or try "pharmacy near" a place.</p></div>
<div class="panel links"><h2>Categories</h2>${kinds}</div>
<div class="panel links"><h2>Neighbourhoods</h2>${areas}</div>`;
  return { html: layout('Map', body) };
}

function search(ctx: Ctx): RouteResult {
  const { map } = ctx.world;
  const q = (ctx.query.get('q') ?? '').trim();
  let results: MapPlace[] = [];
  let near: MapPlace | undefined;
  let note = '';
  const m = /^(.*?)\s*\bnear\s+(.+)$/i.exec(q);
  if (m) {
    const r = resolvePlace(map, ctx.state, m[2]!);
    near = r.place;
    if (!near) note = `No single place matches "${m[2]!}".`;
    else {
      const what = m[1]!.trim();
      const pool = what ? searchPlaces(map, what) : map.places;
      results = pool.filter((p) => p !== near).sort((a, b) => manhattan(near!, a) - manhattan(near!, b) || a.name.localeCompare(b.name));
    }
  } else if (q) results = searchPlaces(map, q);
  const page = paginate(results, pageParam(ctx.query), PER_PAGE);
  const rows = page.items.map((p) => placeRow(map, p, near ? `${walkKm(near, p)} walk` : '')).join('');
  const head = q ? `${page.total} result${page.total === 1 ? '' : 's'} for "${esc(q)}"${near ? ` (sorted by distance from ${esc(near.name)})` : ''}` : 'Type a place name or a category in the search box.';
  const body = `<div class="panel"><h1>Search results</h1><p>${head}</p>${note ? `<p>${esc(note)}</p>` : ''}${
    q && page.total === 0 ? '<p>No places found.</p>' : ''
  }<ul class="plain">${rows}</ul>${pager(page.page, page.pages, (n) => withQuery('/search', { q, page: n }))}</div>`;
  return { html: layout(q ? `${q} - Search` : 'Search', body, { query: q }) };
}

function place(ctx: Ctx): RouteResult {
  const p = ctx.world.map.placeBySlug.get(ctx.params.slug ?? '');
  if (!p) return notFound('No such place.');
  const msg = MESSAGES[ctx.query.get('msg') ?? ''];
  return { html: placePage(ctx.world.map, ctx.state, p, msg?.(p.name)) };
}

function placeAction(action: 'save' | 'unsave' | 'home') {
  return (ctx: Ctx): RouteResult => {
    const p = ctx.world.map.placeBySlug.get(ctx.params.slug ?? '');
    if (!p) return notFound('No such place.');
    const s = ctx.state;
    if (action === 'save' && !s.saved.includes(p.slug)) s.saved.push(p.slug);
    if (action === 'unsave') s.saved = s.saved.filter((x) => x !== p.slug);
    if (action === 'home') s.home = p.slug;
    const back = ctx.form.get('back');
    if (back === 'saved') return { redirect: withQuery('/saved', { msg: action === 'unsave' ? `Removed ${p.name} from My places.` : undefined }) };
    return { redirect: `${placeHref(p)}?msg=${action === 'save' ? 'saved' : action === 'unsave' ? 'unsaved' : 'home'}` };
  };
}

function editForm(ctx: Ctx): RouteResult {
  const p = ctx.world.map.placeBySlug.get(ctx.params.slug ?? '');
  if (!p) return notFound('No such place.');
  const { phone, hours } = currentDetails(ctx.state, p);
  const body = `<div class="panel"><h1>Suggest an edit: ${esc(p.name)}</h1><p class="muted">Fix details that are wrong or out of date. Hours look like 09:00–17:00 or Closed.</p>
<form class="stack" method="post" action="${placeHref(p)}/edit">
<label for="phone">Phone</label><input id="phone" name="phone" type="text" value="${esc(phone)}">
<label for="weekday">Weekday hours (Mon–Fri)</label><input id="weekday" name="weekday" type="text" value="${esc(hours.weekday)}">
<label for="saturday">Saturday hours</label><input id="saturday" name="saturday" type="text" value="${esc(hours.saturday)}">
<label for="comment">Comment</label><textarea id="comment" name="comment" rows="3"></textarea>
<button class="btn" type="submit">Submit suggestion</button></form>
<p><a href="${placeHref(p)}">Cancel</a></p></div>`;
  return { html: layout(`Edit ${p.name}`, body) };
}

function editSubmit(ctx: Ctx): RouteResult {
  const p = ctx.world.map.placeBySlug.get(ctx.params.slug ?? '');
  if (!p) return notFound('No such place.');
  const f = ctx.form;
  ctx.state.edits[p.slug] = {
    phone: (f.get('phone') ?? '').trim().slice(0, 40),
    weekday: normalizeHours(f.get('weekday') ?? '').slice(0, 40),
    saturday: normalizeHours(f.get('saturday') ?? '').slice(0, 40),
    comment: (f.get('comment') ?? '').trim().slice(0, 500),
  };
  return { redirect: `${placeHref(p)}?msg=edited` };
}

function directions(ctx: Ctx): RouteResult {
  const { map } = ctx.world;
  const from = ctx.query.get('from') ?? '';
  const to = ctx.query.get('to') ?? '';
  const modeParam = ctx.query.get('mode') ?? 'walk';
  const mode: TravelMode = (TRAVEL_MODES as readonly string[]).includes(modeParam) ? (modeParam as TravelMode) : 'walk';
  const options = TRAVEL_MODES.map((m) => `<option value="${m}"${m === mode ? ' selected' : ''}>${MODE_LABEL[m]}</option>`).join('');
  const form = `<div class="panel"><h1>Directions</h1><form class="stack" method="get" action="/directions">
<label for="from">From</label><input id="from" name="from" type="text" placeholder="Place name" value="${esc(from)}">
<label for="to">To</label><input id="to" name="to" type="text" placeholder="Place name" value="${esc(to)}">
<label for="mode">Travel mode</label><select id="mode" name="mode">${options}</select>
<button class="btn" type="submit">Get directions</button></form></div>`;
  let result = '';
  if (from.trim() && to.trim()) {
    const a = resolvePlace(map, ctx.state, from);
    const b = resolvePlace(map, ctx.state, to);
    const problems: string[] = [];
    for (const [label, r, text, field] of [['From', a, from, 'from'], ['To', b, to, 'to']] as const) {
      if (r.place) continue;
      if (r.candidates.length === 0) problems.push(`<p>${label}: no place matches "${esc(text)}".</p>`);
      else {
        const links = r.candidates.map((c) => `<li><a href="${esc(withQuery('/directions', { from: field === 'from' ? c.name : from, to: field === 'to' ? c.name : to, mode }))}">${esc(c.name)}</a></li>`).join('');
        problems.push(`<p>${label}: several places match "${esc(text)}". Did you mean:</p><ul class="plain">${links}</ul>`);
      }
    }
    if (problems.length) result = `<div class="panel" id="route"><h2>No route yet</h2>${problems.join('')}</div>`;
    else result = routePanel(a.place!, b.place!, mode);
  } else if (from.trim() || to.trim()) result = '<div class="panel"><p>Fill in both From and To to get a route.</p></div>';
  return { html: layout('Directions', form + result) };
}

function routePanel(a: MapPlace, b: MapPlace, mode: TravelMode): string {
  if (a === b) return '<div class="panel" id="route"><h2>Route</h2><p>From and To are the same place.</p></div>';
  const km = roadKm(a, b, mode);
  const factor = ROAD_FACTOR[mode];
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const legs: string[] = [];
  if (dx !== 0) legs.push(`Head ${dx > 0 ? 'east' : 'west'} for ${((Math.abs(dx) / 1000) * factor).toFixed(1)} km`);
  if (dy !== 0) legs.push(`${legs.length ? 'Turn and head' : 'Head'} ${dy > 0 ? 'north' : 'south'} for ${((Math.abs(dy) / 1000) * factor).toFixed(1)} km`);
  const steps = [`Start at ${a.name}, ${a.address}`, ...legs, `Arrive at ${b.name}, ${b.address}`].map((s) => `<li>${esc(s)}</li>`).join('');
  return `<div class="panel cols" id="route"><div><h2>Route</h2>
<p>${esc(a.name)} to ${esc(b.name)} by ${MODE_LABEL[mode].toLowerCase()}</p>
<p>Distance: ${km.toFixed(1)} km</p>
<p>Time: ${travelMinutes(a, b, mode)} min</p>
<ol>${steps}</ol><p class="muted">Average speed ${SPEED_KMH[mode]} km/h.</p></div>${miniMap([{ p: a, color: '#2a5d8f' }, { p: b, color: '#d9534f' }])}</div>`;
}

function categories(ctx: Ctx): RouteResult {
  const { map } = ctx.world;
  const rows = PLACE_KINDS.map((k) => `<li><a href="${esc(categoryHref(k))}">${esc(plural(k))}</a> <span class="muted">${map.places.filter((p) => p.kind === k).length} places</span></li>`).join('');
  return { html: layout('Categories', `<div class="panel"><h1>Categories</h1><ul class="plain">${rows}</ul></div>`) };
}

function category(ctx: Ctx): RouteResult {
  const { map } = ctx.world;
  const kind = PLACE_KINDS.find((k) => kindSlug(k) === ctx.params.kind);
  if (!kind) return notFound('No such category.');
  const areaSlug = ctx.query.get('area') ?? '';
  const area = map.areaBySlug.get(areaSlug);
  const list = map.places.filter((p) => p.kind === kind && (!area || p.area === area.slug));
  const page = paginate(list, pageParam(ctx.query), PER_PAGE);
  const opts = [`<option value="">All neighbourhoods</option>`, ...map.areas.map((a) => `<option value="${a.slug}"${a === area ? ' selected' : ''}>${esc(a.name)}</option>`)].join('');
  const title = `${plural(kind)} in ${area ? area.name : 'the city'}`;
  const body = `<div class="panel"><h1>${esc(title)}</h1>
<form method="get" action="/category/${kindSlug(kind)}"><label for="area">Neighbourhood</label> <select id="area" name="area">${opts}</select> <button class="btn" type="submit">Filter</button></form>
<p>${page.total} place${page.total === 1 ? '' : 's'}</p><ul class="plain">${page.items.map((p) => placeRow(map, p)).join('')}</ul>
${pager(page.page, page.pages, (n) => withQuery(`/category/${kindSlug(kind)}`, { area: area?.slug, page: n }))}</div>`;
  return { html: layout(title, body) };
}

function areaPage(ctx: Ctx): RouteResult {
  const { map } = ctx.world;
  const area = map.areaBySlug.get(ctx.params.slug ?? '');
  if (!area) return notFound('No such neighbourhood.');
  const here = map.places.filter((p) => p.area === area.slug);
  const counts = PLACE_KINDS.map((k) => [k, here.filter((p) => p.kind === k).length] as const).filter(([, n]) => n > 0);
  const links = counts.map(([k, n]) => `<a href="${esc(categoryHref(k, area.slug))}">${esc(plural(k))} (${n})</a>`).join(' ');
  const body = `<div class="panel links"><h1>${esc(area.name)}</h1><p>Neighbourhood with ${here.length} places.</p>${links}</div>`;
  return { html: layout(area.name, body) };
}

function saved(ctx: Ctx): RouteResult {
  const { map } = ctx.world;
  const s = ctx.state;
  const homePlace = s.home ? map.placeBySlug.get(s.home) : undefined;
  const list = s.saved.map((slug) => map.placeBySlug.get(slug)).filter((p): p is MapPlace => p !== undefined);
  const page = paginate(list, pageParam(ctx.query), PER_PAGE);
  const rows = page.items
    .map((p) => `<li><a href="${placeHref(p)}">${esc(p.name)}</a> <span class="muted">${esc(p.kind)} · ${esc(p.address)}</span>
<form class="inline" method="post" action="${placeHref(p)}/unsave"><input type="hidden" name="back" value="saved"><button class="btn" type="submit" aria-label="Remove ${esc(p.name)}">Remove</button></form></li>`)
    .join('');
  const body = `<div class="panel"><h1>My places</h1><p>Home: ${homePlace ? `<a href="${placeHref(homePlace)}">${esc(homePlace.name)}</a>` : 'not set (use "Set as home" on a place page)'}</p>
<p>${list.length} saved place${list.length === 1 ? '' : 's'}</p><ul class="plain">${rows}</ul>${pager(page.page, page.pages, (n) => withQuery('/saved', { page: n }))}</div>`;
  const msg = ctx.query.get('msg');
  return { html: layout('My places', body, msg ? { flash: msg.slice(0, 120) } : {}) };
}

/** Setup arguments of a task: `{ saved?: string[], home?: string }` (place slugs). */
function setup(state: MapState, world: World, args: Record<string, unknown>): void {
  if (Array.isArray(args.saved)) state.saved = args.saved.filter((x): x is string => typeof x === 'string' && world.map.placeBySlug.has(x));
  if (typeof args.home === 'string' && world.map.placeBySlug.has(args.home)) state.home = args.home;
}

export const mapSite: SiteDefinition<World, MapState> = {
  name: 'map',
  createState: (world) => createMapState(world.map),
  setup,
  routes: [
    { method: 'GET', path: '/', handle: home },
    { method: 'GET', path: '/search', handle: search },
    { method: 'GET', path: '/place/:slug', handle: place },
    { method: 'POST', path: '/place/:slug/save', handle: placeAction('save') },
    { method: 'POST', path: '/place/:slug/unsave', handle: placeAction('unsave') },
    { method: 'POST', path: '/place/:slug/home', handle: placeAction('home') },
    { method: 'GET', path: '/place/:slug/edit', handle: editForm },
    { method: 'POST', path: '/place/:slug/edit', handle: editSubmit },
    { method: 'GET', path: '/directions', handle: directions },
    { method: 'GET', path: '/categories', handle: categories },
    { method: 'GET', path: '/category/:kind', handle: category },
    { method: 'GET', path: '/area/:slug', handle: areaPage },
    { method: 'GET', path: '/saved', handle: saved },
  ],
  notFound: () => notFound('There is no page at this address.'),
};
