// WebEnvironment episodes on the bundled shop, checked step by step: every step of an expert's
// episode (search, product page, options, cart, checkout, a count) succeeds, only the answer
// ends the episode, a step that submits a form returns the page after the submission, and
// score() gives 1 (a wrong answer on an untouched site 0); the observation after a checkout
// shows the new order; two episodes in separate contexts keep
// separate carts; step() waits for the navigation a submitted form starts in a later task.
// (suite-shop.test.ts scores every shop template's expert; this file checks the environment.)

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { EnvironmentStateError } from '../../src/errors.js';
import type { Action, Observation } from '../../src/env/types.js';
import type { WebEnvironment } from '../../src/env/web-environment.js';
import type { ShopState } from '../../src/suites/shop/data.js';
import type { WebTask } from '../../src/tasks/types.js';
import { useHarness } from '../helpers/suite-battery.js';

const h = useHarness();

/** The first `train` instance of a shop template. */
function taskOf(template: string): WebTask {
  const [task] = h.suite.tasks({ split: 'train', templates: [template], perTemplate: 1 });
  assert.ok(task, `${template} has a train instance`);
  return task;
}

/** Whether `action` may submit a form: Enter in a text field, or a click on a button. */
function submits(action: Action, obs: Observation): boolean {
  if (action.type === 'type') return action.pressEnter === true;
  if (action.type !== 'click') return false;
  const target = action.target;
  const role = 'id' in target ? obs.nodes.find((n) => n.id === target.id)?.role : target.role;
  return role === 'button';
}

/**
 * Runs the task's expert through `env`, asserting on every step: no action error, not truncated,
 * terminated exactly by the answer, and a new URL after every form submission. With
 * `withoutAnswer` the episode stops before the expert's answer (it stays open).
 */
async function runChecked(env: WebEnvironment, task: WebTask, options: { withoutAnswer?: boolean } = {}): Promise<{ obs: Observation; answer: string | null; steps: number; submitted: number }> {
  let obs = await env.reset(task);
  assert.equal(obs.lastActionError, null);
  const gen = task.expert!(task, obs);
  let next = gen.next(obs);
  let steps = 0;
  let submitted = 0;
  let answer: string | null = null;
  while (!next.done) {
    const { action } = next.value;
    if (options.withoutAnswer && action.type === 'answer') break;
    steps++;
    const urlBefore = obs.url;
    const submit = submits(action, obs);
    const r = await env.step(action);
    obs = r.observation;
    const where = `${task.id} step ${steps} ${JSON.stringify(action)}`;
    assert.equal(obs.lastActionError, null, `${where} failed on ${obs.url}:\n${obs.text}`);
    assert.equal(r.terminated, action.type === 'answer', `${where}: terminated`);
    assert.equal(r.truncated, false, `${where}: truncated`);
    // Every submit in these experts changes the URL; step() must return the page after it.
    if (submit) {
      submitted++;
      assert.notEqual(obs.url, urlBefore, `${where}: step() returned the page from before the form submission`);
    }
    if (action.type === 'answer') answer = action.text;
    next = gen.next(obs);
  }
  return { obs, answer, steps, submitted };
}

const TEMPLATES = ['shop.product-price', 'shop.add-to-cart', 'shop.checkout', 'shop.count'];

describe('bundled shop episodes in a real WebEnvironment', () => {
  for (const template of TEMPLATES) {
    test(`every step of the expert of ${template} succeeds and the episode scores 1`, async (t) => {
      const task = taskOf(template);
      const { obs, answer, steps, submitted } = await runChecked(h.env, task);
      assert.ok(steps >= 2, `${task.id}: ${steps} steps`);
      t.diagnostic(`${task.id}: ${steps} steps, ${submitted} form submissions`);
      // The search (Enter), Add to cart and Place order are form submissions; a count may open a category link instead.
      if (template !== 'shop.count') assert.ok(submitted >= 1, `${task.id}: no form submission was checked`);
      assert.notEqual(answer, null);
      const result = await h.env.score();
      assert.equal(result.score, 1, `${task.id}: ${result.reason}\n${obs.text}`);
      // A wrong answer on an untouched site (a fresh episode in another context) must not pass.
      const other = h.envs[1]!;
      await other.reset(task);
      assert.equal((await other.step({ type: 'answer', text: 'I do not know' })).terminated, true);
      const untouched = await other.score();
      assert.equal(untouched.score, 0, `${task.id}: an untouched episode scored 1 (${untouched.reason})`);
    });
  }

  test('the observation after placing an order shows the order page', async () => {
    const task = taskOf('shop.checkout');
    const { obs } = await runChecked(h.env, task, { withoutAnswer: true });
    const state = (await task.readState!(h.env.page)) as ShopState;
    const placed = state.orders.at(-1)!;
    const check = (o: Observation, what: string): void => {
      assert.equal(o.lastActionError, null, what);
      assert.match(o.url, new RegExp(`/orders/${placed.id}\\?placed=1$`), what);
      assert.equal(o.title, `Order #${placed.id} — Maple & Clay`, what);
      assert.match(o.text, new RegExp(`^# Order #${placed.id}$`, 'm'), what);
      assert.ok(o.text.includes(`Thank you! Your order number is #${placed.id}.`), `${what}:\n${o.text}`);
    };
    // The step that placed the order returned the page it led to...
    check(obs, 'the observation of the Place order step');
    // ...and a harmless key press observes the same page again.
    check((await h.env.step({ type: 'press', key: 'Shift' })).observation, 'the observation after a key press');
  });

  test('two episodes in separate contexts do not share cart state', async () => {
    const task = taskOf('shop.add-to-cart');
    const [env, other] = h.envs as [WebEnvironment, WebEnvironment];
    await runChecked(env, task);
    const cart = async (e: WebEnvironment): Promise<ShopState['cart']> => ((await task.readState!(e.page)) as ShopState).cart;
    assert.equal((await cart(env)).length, 1);
    const home = await other.reset({ id: 'look', intent: 'look at the cart', startUrl: `${h.server.urls.shop}/` });
    assert.match(home.text, /link "Cart \(0\)"/);
    assert.deepEqual(await cart(other), []);
    // The first episode is over (answered), but its context stays open and keeps its own cart.
    await assert.rejects(env.step({ type: 'answer', text: 'done' }), EnvironmentStateError);
    assert.equal((await cart(env)).length, 1);
    const sid = async (e: WebEnvironment): Promise<string | undefined> => (await e.context.cookies(h.server.urls.shop)).find((c) => c.name === 'wa_sid')?.value;
    const [a, b] = [await sid(env), await sid(other)];
    assert.ok(a && b, 'both contexts have a session cookie');
    assert.notEqual(a, b);
  });

  test('step() waits for the navigation of a submitted form (Chromium starts it in a later task)', async () => {
    const task = taskOf('shop.product-price');
    const stale: string[] = [];
    for (let k = 0; k < 10; k++) {
      const first = await h.env.reset(task);
      const step = task.expert!(task, first).next(first);
      assert.ok(!step.done && step.value.action.type === 'type' && step.value.action.pressEnter, 'the expert starts with a search');
      const r = await h.env.step(step.value.action);
      if (!r.observation.url.includes('/search?q=')) stale.push(`try ${k + 1}: observation of ${r.observation.url}`);
    }
    assert.deepEqual(stale, [], 'step() returned the page before the search was submitted');
  });
});
