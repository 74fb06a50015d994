// State-changing task templates of the shop site: add to cart with options, change or remove a
// cart line (cart pre-filled by `setup`), a full checkout with a shipping address, account
// settings. Each is checked on the session state the site keeps (cart, orders, account). The
// unseen state-changing templates are in tasks-unseen.ts.
import type { Observation } from '../../env/types.js';
import { stateMatch } from '../../tasks/checkers.js';
import { act } from '../../tasks/expert.js';
import type { TaskTemplate } from '../template.js';
import type { World } from '../world.js';
import type { OrderLine, ShopProduct, ShopState } from './data.js';
import { addToCart, CART, escapeRe, openProduct, type Steps } from './experts.js';
import { cap, noteFor, pools, type Address, type Side } from './pools.js';

const norm = (s: string): string => s.trim().toLowerCase().replace(/\s+/g, ' ');
const digits = (s: string): string => s.replace(/\D/g, '');

function optionPhrase(size: string | undefined, finish: string | undefined): string {
  const parts = [size ? `in size ${size}` : '', finish ? `with the ${finish} finish` : ''].filter(Boolean);
  return parts.length ? ` ${parts.join(' ')}` : '';
}

function lineMatches(l: OrderLine, p: ShopProduct, quantity: number, size: string | undefined, finish: string | undefined): string | true {
  if (l.productId !== p.id) return `the line is product ${l.productId}, not the ${p.name}`;
  if (l.quantity !== quantity) return `the ${p.name} has quantity ${l.quantity}, not ${quantity}`;
  if (size && l.size !== size) return `the ${p.name} is size ${String(l.size)}, not ${size}`;
  if (finish && l.finish !== finish) return `the ${p.name} has the ${String(l.finish)} finish, not ${finish}`;
  return true;
}

const addPool = (world: World, side: Side): ShopProduct[] => pools(world).products[side].filter((p) => (p.sizes.length > 0 || p.finishes.length > 0) && p.stock >= 5);

const addToCartTemplate: TaskTemplate = {
  id: 'shop.add-to-cart',
  site: 'shop',
  kind: 'state',
  description: 'Add a quantity of a product with given size/finish to the cart',
  size: (world, side) => cap(addPool(world, side).length * 3),
  instantiate(ctx) {
    const pool = addPool(ctx.world, ctx.entities);
    const p = pool[ctx.index % pool.length]!;
    const quantity = 2 + (Math.floor(ctx.index / pool.length) % 3);
    const size = p.sizes.length ? ctx.rng.pick(p.sizes) : undefined;
    const finish = p.finishes.length ? ctx.rng.pick(p.finishes) : undefined;
    return {
      intent: `Add ${quantity} of the ${p.name}${optionPhrase(size, finish)} to my cart.`,
      startPath: '/',
      check: stateMatch<ShopState>(`the cart holds ${quantity} × ${p.name}`, (s) => (s.cart.length === 1 ? lineMatches(s.cart[0]!, p, quantity, size, finish) : `the cart has ${s.cart.length} lines, expected 1`)),
      meta: { product: p.name, quantity, size, finish },
      *expert(_task, first) {
        const obs = yield* openProduct(first, p.name);
        yield* addToCart(obs, p.name, quantity, { size, finish });
        yield act.answer('done', `The cart now shows ${quantity} × ${p.name}.`);
      },
      *wrongExpert(_task, first) {
        const obs = yield* openProduct(first, p.name);
        const other = (list: readonly string[], v: string | undefined): string | undefined => (v ? list[(list.indexOf(v) + 1) % list.length] : undefined);
        yield* addToCart(obs, p.name, quantity, size ? { size: other(p.sizes, size), finish } : { finish: other(p.finishes, finish) });
        yield act.answer('done', `The ${p.name} is in the cart.`);
      },
    };
  },
};

/** A cart of the target plus one or two other products, for the cart templates. */
function cartSetup(world: World, p: ShopProduct, rng: { int(lo: number, hi: number): number; pick<T>(items: readonly T[]): T }): { lines: Array<{ productId: number; quantity: number }>; others: ShopProduct[] } {
  const all = world.shop.products;
  const others: ShopProduct[] = [];
  const n = rng.int(1, 2);
  while (others.length < n) {
    const o = rng.pick(all);
    if (o.id !== p.id && !others.includes(o)) others.push(o);
  }
  const lines = [p, ...others].map((x) => ({ productId: x.id, quantity: rng.int(1, 2) }));
  // The target is not always first.
  if (rng.int(0, 1) === 1) lines.push(lines.shift()!);
  return { lines, others };
}

function othersIntact(s: ShopState, setup: Array<{ productId: number; quantity: number }>, target: number): string | true {
  for (const l of setup) {
    if (l.productId === target) continue;
    const got = s.cart.filter((c) => c.productId === l.productId).reduce((a, c) => a + c.quantity, 0);
    if (got !== l.quantity) return `product ${l.productId} should still be in the cart ${l.quantity} time(s), found ${got}`;
  }
  if (s.cart.some((c) => !setup.some((l) => l.productId === c.productId))) return 'the cart holds a product that was not in it';
  return true;
}

const lineQuery = (prefix: string, name: string): { role: string; name: RegExp } => ({ role: prefix === 'Qty of' ? 'spinbutton' : 'button', name: new RegExp(`^${prefix} ${escapeRe(name)}(?: \\(|$)`) });

function cartTemplate(which: 'quantity' | 'remove'): TaskTemplate {
  return {
    id: which === 'quantity' ? 'shop.cart-quantity' : 'shop.cart-remove',
    site: 'shop',
    kind: 'state',
    description: which === 'quantity' ? 'Change the quantity of a cart line' : 'Remove a product from the cart',
    size: (world, side) => pools(world).products[side].length,
    instantiate(ctx) {
      const p = pools(ctx.world).products[ctx.entities][ctx.index]!;
      const { lines, others } = cartSetup(ctx.world, p, ctx.rng);
      const before = lines.find((l) => l.productId === p.id)!.quantity;
      const quantity = before + ctx.rng.int(1, 3);
      const check =
        which === 'quantity'
          ? stateMatch<ShopState>(`the ${p.name} has quantity ${quantity}`, (s) => {
              const got = s.cart.filter((c) => c.productId === p.id).reduce((a, c) => a + c.quantity, 0);
              return got === quantity ? othersIntact(s, lines, p.id) : `the cart holds ${got} × ${p.name}, expected ${quantity}`;
            })
          : stateMatch<ShopState>(`the ${p.name} is no longer in the cart`, (s) => (s.cart.some((c) => c.productId === p.id) ? `the ${p.name} is still in the cart` : othersIntact(s, lines, p.id)));
      return {
        intent: which === 'quantity' ? `I have the ${p.name} in my cart. Change its quantity to ${quantity}.` : `Remove the ${p.name} from my shopping cart.`,
        startPath: '/',
        setup: { cart: lines },
        check,
        meta: { product: p.name, quantity: which === 'quantity' ? quantity : 0, cart: lines },
        *expert(_task, first) {
          let obs = yield act.click(first, CART, 'The change is made in the shopping cart, so I open it.');
          if (which === 'quantity') {
            obs = yield act.type(obs, lineQuery('Qty of', p.name), String(quantity), `I enter ${quantity} as the quantity of the ${p.name}.`);
            yield act.click(obs, lineQuery('Update', p.name), 'I save the new quantity with its Update button.');
          } else yield act.click(obs, lineQuery('Remove', p.name), `I remove the ${p.name} line.`);
          yield act.answer('done', 'The cart shows the change.');
        },
        *wrongExpert(_task, first) {
          const obs = yield act.click(first, CART, 'I open the shopping cart.');
          if (which === 'quantity') {
            yield act.type(obs, lineQuery('Qty of', p.name), String(quantity), `I enter ${quantity} as the quantity of the ${p.name}.`);
          } else yield act.click(obs, lineQuery('Remove', others[0]!.name), `I remove the ${others[0]!.name} line.`);
          yield act.answer('done', 'The cart is as asked.');
        },
      };
    },
  };
}

const checkoutPool = (world: World, side: Side): ShopProduct[] => pools(world).products[side].filter((p) => p.stock >= 3);

function addressMatches(got: { fullName: string; street: string; city: string; zip: string }, want: Address): string | true {
  for (const k of ['fullName', 'street', 'city', 'zip'] as const) if (norm(got[k]) !== norm(want[k])) return `${k} is ${JSON.stringify(got[k])}, expected ${JSON.stringify(want[k])}`;
  return true;
}

/** Fills the address form fields that are shown (checkout or account page). */
function* fillAddress(obs: Observation, a: Address, nameLabel: string, skip?: 'zip' | 'city'): Steps {
  obs = yield act.type(obs, { role: 'textbox', name: nameLabel }, a.fullName, `I enter ${a.fullName} as the name.`);
  obs = yield act.type(obs, { role: 'textbox', name: 'Street address' }, a.street, 'I enter the street address.');
  if (skip !== 'city') obs = yield act.type(obs, { role: 'textbox', name: 'City' }, a.city, 'I enter the city.');
  if (skip !== 'zip') obs = yield act.type(obs, { role: 'textbox', name: 'ZIP code' }, a.zip, 'I enter the ZIP code.');
  return obs;
}

const checkoutTemplate: TaskTemplate = {
  id: 'shop.checkout',
  site: 'shop',
  kind: 'state',
  description: 'Buy a product with options and ship it to a given address with a delivery note',
  size: (world, side) => checkoutPool(world, side).length,
  instantiate(ctx) {
    const p = checkoutPool(ctx.world, ctx.entities)[ctx.index]!;
    const addrs = pools(ctx.world).addresses[ctx.entities];
    const a = addrs[(ctx.index * 7) % addrs.length]!;
    const quantity = ctx.rng.int(1, 2);
    const size = p.sizes.length ? ctx.rng.pick(p.sizes) : undefined;
    const finish = p.finishes.length ? ctx.rng.pick(p.finishes) : undefined;
    const note = noteFor(ctx.index);
    const firstNew = Math.max(...ctx.world.shop.orders.map((o) => o.id)) + 1;
    return {
      intent: `Buy ${quantity} of the ${p.name}${optionPhrase(size, finish)} and ship the order to ${a.fullName}, ${a.street}, ${a.city} ${a.zip}, with the delivery note "${note}".`,
      startPath: '/',
      check: stateMatch<ShopState>('one new order with that product, address and note', (s) => {
        const fresh = s.orders.filter((o) => o.id >= firstNew);
        if (fresh.length !== 1) return `${fresh.length} new orders, expected 1`;
        const o = fresh[0]!;
        if (o.customerId !== ctx.world.shop.shopperId || o.status !== 'pending') return 'the new order is not a pending order of the shopper';
        if (o.lines.length !== 1) return `the order has ${o.lines.length} lines, expected 1`;
        const line = lineMatches(o.lines[0]!, p, quantity, size, finish);
        if (line !== true) return line;
        const addr = addressMatches(o.address, a);
        if (addr !== true) return addr;
        return norm(o.note).replace(/[."]+$/, '') === norm(note) ? true : `the delivery note is ${JSON.stringify(o.note)}`;
      }),
      meta: { product: p.name, quantity, size, finish, address: a, note },
      *expert(_task, first) {
        let obs = yield* openProduct(first, p.name);
        obs = yield* addToCart(obs, p.name, quantity, { size, finish });
        obs = yield act.click(obs, { role: 'link', name: 'Proceed to checkout' }, 'The product is in the cart, so I proceed to checkout.');
        obs = yield* fillAddress(obs, a, 'Full name');
        obs = yield act.type(obs, { role: 'textbox', name: 'Delivery note' }, note, 'I add the delivery note.');
        obs = yield act.click(obs, { role: 'button', name: 'Place order' }, 'The address and note are filled in, so I place the order.');
        const num = /order number is #(\d+)/.exec(obs.text)?.[1] ?? '';
        yield act.answer(`Order #${num} placed`, 'The confirmation shows the order number, so the purchase is done.');
      },
      *wrongExpert(_task, first) {
        let obs = yield* openProduct(first, p.name);
        obs = yield* addToCart(obs, p.name, quantity, { size, finish });
        obs = yield act.click(obs, { role: 'link', name: 'Proceed to checkout' }, 'I proceed to checkout.');
        obs = yield* fillAddress(obs, a, 'Full name', 'zip');
        obs = yield act.type(obs, { role: 'textbox', name: 'Delivery note' }, note, 'I add the delivery note.');
        yield act.click(obs, { role: 'button', name: 'Place order' }, 'I place the order.');
        yield act.answer('done', 'The order is placed.');
      },
    };
  },
};

const phoneTemplate: TaskTemplate = {
  id: 'shop.account-phone',
  site: 'shop',
  kind: 'state',
  description: 'Change the phone number (and newsletter subscription) in the account settings',
  size: (world, side) => cap(pools(world).phones[side].length),
  instantiate(ctx) {
    const phone = pools(ctx.world).phones[ctx.entities][ctx.index]!;
    const subscribe = ctx.index % 2 === 1;
    const initial = ctx.world.shop.customers[ctx.world.shop.shopperId - 1]!;
    return {
      intent: subscribe ? `Set the phone number in my account settings to ${phone} and subscribe me to the newsletter.` : `Change the phone number in my account settings to ${phone}.`,
      startPath: '/',
      check: stateMatch<ShopState>(`phone ${phone}${subscribe ? ', subscribed' : ''}`, (s) => {
        if (digits(s.account.phone) !== digits(phone)) return `the phone is ${JSON.stringify(s.account.phone)}, expected ${phone}`;
        if (s.account.newsletter !== subscribe) return `newsletter is ${s.account.newsletter}, expected ${subscribe}`;
        return s.account.email === initial.email && s.account.name === initial.name ? true : 'the name or email changed';
      }),
      meta: { phone, newsletter: subscribe },
      *expert(_task, first) {
        let obs = yield act.click(first, { role: 'link', name: 'My account' }, 'The phone number is in the account settings.');
        obs = yield act.type(obs, { role: 'textbox', name: 'Phone' }, phone, `I enter ${phone} as the phone number.`);
        if (subscribe) obs = yield act.click(obs, { role: 'checkbox', name: 'Subscribe to the newsletter' }, 'I tick the newsletter box to subscribe.');
        yield act.click(obs, { role: 'button', name: 'Save settings' }, 'I save the settings.');
        yield act.answer('done', 'The page confirms that the settings were saved.');
      },
      *wrongExpert(_task, first) {
        let obs = yield act.click(first, { role: 'link', name: 'My account' }, 'The phone number is in the account settings.');
        obs = yield act.type(obs, { role: 'textbox', name: 'Phone' }, phone, `I enter ${phone} as the phone number.`);
        if (subscribe) yield act.click(obs, { role: 'checkbox', name: 'Subscribe to the newsletter' }, 'I tick the newsletter box.');
        yield act.answer('done', 'The new phone number is in the form.');
      },
    };
  },
};

const addressTemplate: TaskTemplate = {
  id: 'shop.account-address',
  site: 'shop',
  kind: 'state',
  description: 'Change the default shipping address in the account settings',
  size: (world, side) => cap(pools(world).addresses[side].length),
  instantiate(ctx) {
    const a = pools(ctx.world).addresses[ctx.entities][ctx.index]!;
    return {
      intent: `Change the default shipping address in my account to ${a.fullName}, ${a.street}, ${a.city} ${a.zip}.`,
      startPath: '/',
      check: stateMatch<ShopState>('the default address is the new one', (s) => addressMatches(s.account.address, a)),
      meta: { address: a },
      *expert(_task, first) {
        let obs = yield act.click(first, { role: 'link', name: 'My account' }, 'The default address is in the account settings.');
        obs = yield* fillAddress(obs, a, 'Recipient name');
        yield act.click(obs, { role: 'button', name: 'Save settings' }, 'I save the settings.');
        yield act.answer('done', 'The settings with the new address are saved.');
      },
      *wrongExpert(_task, first) {
        let obs = yield act.click(first, { role: 'link', name: 'My account' }, 'The default address is in the account settings.');
        obs = yield* fillAddress(obs, a, 'Recipient name', 'city');
        yield act.click(obs, { role: 'button', name: 'Save settings' }, 'I save the settings.');
        yield act.answer('done', 'The new address is saved.');
      },
    };
  },
};

/** The state-changing templates (seen). */
export const stateTemplates: TaskTemplate[] = [addToCartTemplate, cartTemplate('quantity'), cartTemplate('remove'), checkoutTemplate, phoneTemplate, addressTemplate];
