// Tests of the bundled map site: the standard battery (every template's expert scores 1 and its
// wrong ending 0 through a real browser), pages over HTTP (search, place, directions, category),
// the route formula, per-session state isolation between two concurrent episodes, observation
// sizes of the busiest pages, and instance counts per split.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { WebEnvironment } from '../../src/env/web-environment.js';
import { createMapState, nearest, shownKm, travelMinutes, type MapState } from '../../src/suites/map/data.js';
import { mapTemplates } from '../../src/suites/map/tasks.js';
import { runExpert } from '../../src/tasks/expert.js';
import { MAX_OBS_CHARS, siteBattery } from '../helpers/suite-battery.js';

const h = siteBattery('map');

async function get(path: string, cookie?: string): Promise<{ status: number; text: string; cookie: string }> {
  const res = await fetch(h.server.urls.map + path, { headers: { 'x-webagent-key': h.server.controlKey, ...(cookie ? { cookie } : {}) }, redirect: 'manual' });
  const set = res.headers.get('set-cookie');
  return { status: res.status, text: await res.text(), cookie: set ? set.split(';')[0]! : (cookie ?? '') };
}

const html = (s: string): string => s.replace(/&/g, '&#38;').replace(/'/g, '&#39;').replace(/"/g, '&#34;');

describe('map: pages and state', () => {
  test('pages over HTTP render the seeded places, nearby lists, routes and categories', async () => {
    const d = h.server.world.map;
    const p = d.places[10]!;
    const search = await get(`/search?q=${encodeURIComponent(p.name)}`);
    assert.ok(search.text.includes(`>${p.name}</a>`), 'search finds the place by name');
    assert.ok(search.text.includes(p.address), 'search results show the address');
    const page = await get(`/place/${p.slug}`);
    assert.equal(page.status, 200);
    for (const s of [p.name, `Address: ${p.address}`, `Phone: ${p.phone}`, 'Directions from here', 'Directions to here', 'Save place']) assert.ok(page.text.includes(html(s)), `place page shows ${s}`);
    for (const n of nearest(d, p).slice(0, 5)) assert.ok(page.text.includes(`>${n.name}</a>`), `Nearby lists ${n.name}`);
    const q = nearest(d, p)[20]!;
    const route = await get(`/directions?from=${encodeURIComponent(p.name)}&to=${encodeURIComponent(q.name.toLowerCase())}&mode=car`);
    assert.ok(route.text.includes(`${p.name} to ${q.name} by car`), 'route names both ends (case-insensitive input)');
    assert.ok(route.text.includes(`Distance: ${shownKm(p, q, 'car').toFixed(1)} km`), 'route distance');
    assert.ok(route.text.includes(`Time: ${travelMinutes(p, q, 'car')} min`), 'route time');
    const ambiguous = await get(`/directions?from=cafe&to=${encodeURIComponent(q.name)}`);
    assert.ok(ambiguous.text.includes('Did you mean'), 'an ambiguous name offers candidates');
    const cafes = await get('/category/cafe');
    assert.ok(cafes.text.includes('Cafes in the city') && cafes.text.includes('Page 1 of 2'), 'category pages are paginated');
    const near = await get(`/search?q=${encodeURIComponent(`pharmacy near ${p.name}`)}`);
    const first = nearest(d, p, 'Pharmacy')[0]!;
    assert.ok(near.text.indexOf(`>${first.name}</a>`) > 0 && near.text.includes('sorted by distance'), 'near search lists the closest first');
    assert.equal((await get('/place/nowhere')).status, 404);
  });

  test('road distance grows with the mode factor and travel time with the speed', () => {
    const [a, b] = h.server.world.map.places;
    assert.ok(shownKm(a!, b!, 'car') >= shownKm(a!, b!, 'walk'));
    assert.ok(travelMinutes(a!, b!, 'walk') >= travelMinutes(a!, b!, 'bike'));
  });

  test('a fresh state is tiny, and saving over HTTP changes only its own session', async () => {
    const d = h.server.world.map;
    assert.ok(JSON.stringify(createMapState(d)).length < 100);
    const a = await get('/');
    const b = await get('/');
    const p = d.places[3]!;
    const res = await fetch(`${h.server.urls.map}/place/${p.slug}/save`, { method: 'POST', headers: { cookie: a.cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: '', redirect: 'manual' });
    assert.equal(res.status, 303);
    const sa = JSON.parse((await get('/__webagent/state', a.cookie)).text) as MapState;
    const sb = JSON.parse((await get('/__webagent/state', b.cookie)).text) as MapState;
    assert.deepEqual(sa.saved, [p.slug]);
    assert.deepEqual(sb.saved, []);
    assert.ok((await get('/saved', a.cookie)).text.includes(`>${p.name}</a>`), 'My places lists the saved place');
  });

  test('two concurrent episodes of the same state task do not see each other’s changes', async () => {
    const task = h.suite.task('map.save-place/train/0');
    const other = new WebEnvironment({ pool: h.pool });
    try {
      await other.reset(task);
      const d = await runExpert(h.env, task);
      assert.equal(d.result.score, 1);
      const mine = (await task.readState!(h.env.page)) as MapState;
      const theirs = (await task.readState!(other.page)) as MapState;
      assert.equal(mine.saved.length, 1);
      assert.equal(theirs.saved.length, 0);
    } finally {
      await other.close();
    }
  });

  test('the busiest pages stay within the observation budget', async (t) => {
    const task = h.suite.task('map.open-place/train/0');
    await h.env.reset(task);
    const base = h.server.urls.map;
    const p = h.server.world.map.places[0]!;
    let largest = 0;
    for (const path of ['/', '/categories', '/search?q=cafe', '/category/restaurant', `/place/${p.slug}`, `/place/${p.slug}/edit`, '/directions?from=cafe&to=bakery', `/directions?from=${encodeURIComponent(p.name)}&to=Bay%20Cafe&mode=bike`, '/area/' + h.server.world.map.areas[4]!.slug, '/saved']) {
      const r = await h.env.step({ type: 'goto', url: base + path });
      const n = r.observation.text.length;
      largest = Math.max(largest, n);
      assert.ok(n <= MAX_OBS_CHARS, `${path}: ${n} chars`);
    }
    t.diagnostic(`largest observation: ${largest} chars`);
  });

  test('instance counts meet the minimums', () => {
    const count = (split: 'train' | 'test' | 'test-unseen'): number => mapTemplates.reduce((n, t) => n + h.suite.sizeOf(t, split), 0);
    assert.ok(count('train') >= 450, `train ${count('train')}`);
    assert.ok(count('test') >= 70, `test ${count('test')}`);
    assert.ok(count('test-unseen') >= 2, `test-unseen ${count('test-unseen')}`);
    for (const t of mapTemplates) {
      const intents = h.suite.tasks({ split: t.unseen ? 'test-unseen' : 'train', templates: [t.id] }).map((x) => x.intent);
      assert.equal(new Set(intents).size, intents.length, `${t.id} has repeated intents`);
    }
  });
});
