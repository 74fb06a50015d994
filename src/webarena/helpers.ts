// WebArena's `func:` helpers: the Python expressions configs put in a `program_html` url or
// locator (`func:gitlab_get_project_memeber_role(__page__, 'byteblaze')`), parsed as one call
// with string-literal or bare-word arguments, and the built-in helpers that only read the page
// or the URL, each written from the behaviour of WebArena-Lite's `helper_functions_eval.py`
// (same selectors, same return types, same fallbacks). Helpers that need a site's private REST
// API (`shopping_get_latest_order_url`, `shopping_get_sku_latest_review_*`, ...) are not built
// in: a user with a deployment registers them (`helpers` option); otherwise the check is
// `undecided: 'unsupported'`.
//
// Over 300 lines because each built-in helper is a page script (kept as source text and run by
// `inPage` with the Python helper's fallback) next to its entry in one table of arities; split, a
// helper's selectors and its fallback value would sit in different files.

import type { Page } from 'playwright-core';
import { pyUrlparse } from './semantics.js';

/**
 * A user-supplied WebArena `func:` helper. Called with the final page and the call's arguments
 * (`__page__` arrives as the string "__page__", `__last_url__` already replaced by the URL);
 * returns what the Python helper returns (a URL in a `url`; text, a number or an object in a
 * `locator`: the evaluator reads it as Python's `str()` would).
 */
export type WebArenaHelper = (page: Page, ...args: string[]) => unknown;

/** A `func:` helper that needs what this SDK cannot reach (a site's private API). */
export class UnsupportedHelperError extends Error {}

/** One parsed `name(arg, 'literal', "literal")` call. */
export interface HelperCall {
  readonly name: string;
  readonly args: readonly string[];
}

/**
 * Parses `name(a, 'b', "c")`: string literals (with backslash escapes) or bare words such as
 * `__page__`. Returns undefined for any other Python expression.
 */
export function parseHelperCall(text: string): HelperCall | undefined {
  const m = /^\s*([A-Za-z_]\w*)\s*\(([^]*)\)\s*$/.exec(text);
  if (!m) return undefined;
  const args: string[] = [];
  const body = m[2]!;
  let i = 0;
  const skip = (): void => {
    while (i < body.length && /\s/.test(body[i]!)) i++;
  };
  skip();
  while (i < body.length) {
    const q = body[i]!;
    if (q === "'" || q === '"') {
      let s = '';
      i++;
      while (i < body.length && body[i] !== q) {
        if (body[i] === '\\' && i + 1 < body.length) i++;
        s += body[i];
        i++;
      }
      if (i >= body.length) return undefined;
      i++;
      args.push(s);
    } else {
      const start = i;
      while (i < body.length && body[i] !== ',' && !/\s/.test(body[i]!)) i++;
      if (i === start) return undefined;
      args.push(body.slice(start, i));
    }
    skip();
    if (i < body.length) {
      if (body[i] !== ',') return undefined;
      i++;
      skip();
    }
  }
  return { name: m[1]!, args };
}

/**
 * `reddit_get_post_url(url)`: a Postmill post or comment URL `scheme://host/f/<forum>/<id>/...`
 * becomes the post's URL `scheme://host/f/<forum>/<id>/` (trailing slash included); any URL
 * whose path has fewer than three segments or does not start with `/f/` is returned as is.
 */
export function redditGetPostUrl(url: string): string {
  const p = pyUrlparse(url);
  const parts = p.path.split('/');
  if (parts.length < 4 || parts[1] !== 'f') return url;
  return `${p.scheme}://${p.netloc}/f/${parts[2]}/${parts[3]}/`;
}

/**
 * Runs the JavaScript function `source` with `arg` in the page; any error (missing element,
 * closed page) gives `fallback`, as the Python helpers catch them. Page code is kept as source
 * text: the transpiled form of a TypeScript function can reference helpers the page lacks.
 */
async function inPage<R>(page: Page, source: string, arg: unknown, fallback: R): Promise<R> {
  try {
    return (await page.evaluate(`(${source})(${JSON.stringify(arg ?? null)})`)) as R;
  } catch {
    return fallback;
  }
}

interface OrderRow {
  readonly name?: string;
  readonly sku?: string;
  readonly qty?: string;
  readonly options?: Readonly<Record<string, string>>;
}

/** The rows of a Magento order page's `#my-orders-table`: each cell keyed by its second class name. */
const ORDER_ROWS = String.raw`() => {
  const table = document.querySelector('#my-orders-table');
  if (!table) throw new Error('no order table');
  return Array.from(table.getElementsByTagName('tbody')).map((body) => {
    const row = {};
    for (const cell of Array.from(body.getElementsByTagName('td'))) {
      const key = String(cell.className.split(' ')[1]);
      row[key] = cell.outerText;
      const list = cell.querySelector('dl');
      if (key === 'name' && list) {
        const options = {};
        const items = Array.from(list.children);
        for (let i = 0; i < items.length; i += 2) options[items[i].outerText] = items[i + 1] ? items[i + 1].outerText : '';
        row.options = options;
      }
    }
    return row;
  });
}`;

const orderRows = (page: Page): Promise<OrderRow[]> => inPage<OrderRow[]>(page, ORDER_ROWS, null, []);

interface CommentNode {
  readonly username: string;
  readonly content: string;
  readonly time: number;
  readonly children: readonly CommentNode[];
}

/** A Postmill post page's comment tree (`#main`, `.comment` elements with `data-level`), times in ms. */
const COMMENT_TREE = String.raw`() => {
  const build = (node, level) => ({
    username: node.querySelector('.fg-inherit').outerText,
    content: node.querySelector('.comment__content').outerText,
    time: new Date(node.querySelector('.comment__main > header > h1 > span > time').dateTime).getTime(),
    children: Array.from(node.querySelectorAll('.comment'))
      .filter((c) => parseInt(c.getAttribute('data-level'), 10) === level + 1)
      .map((c) => build(c, level + 1)),
  });
  const main = document.querySelector('#main');
  if (!main) throw new Error('no #main');
  return build(main, 0);
}`;

const commentTree = (page: Page): Promise<CommentNode | undefined> => inPage<CommentNode | undefined>(page, COMMENT_TREE, null, undefined);

/** The latest comment by `username` (the root included), by each comment's time. */
function latestCommentBy(tree: CommentNode | undefined, username: string): CommentNode | undefined {
  let best: CommentNode | undefined;
  let latest = -Infinity;
  const visit = (node: CommentNode): void => {
    if (node.username === username && node.time > latest) {
      latest = node.time;
      best = node;
    }
    for (const child of node.children) visit(child);
  };
  if (tree) visit(tree);
  return best;
}

/**
 * The parent of the latest comment by `username`, searched as WebArena-Lite searches: a node's
 * children by that user are compared, and only the other children are descended into (so a
 * reply to the user's own comment is never found).
 */
function parentOfLatestCommentBy(tree: CommentNode | undefined, username: string): CommentNode | undefined {
  let parent: CommentNode | undefined;
  let latest = -Infinity;
  const visit = (node: CommentNode): void => {
    for (const child of node.children) {
      if (child.username === username) {
        if (child.time > latest) {
          latest = child.time;
          parent = node;
        }
      } else visit(child);
    }
  };
  if (tree) visit(tree);
  return parent;
}

/** The text of the first element matching the selector (textContent, not lower-cased). */
const QUERY_TEXT = '(selector) => document.querySelector(selector).textContent';

/** GitLab's project members page: the Max role of the member whose account reads "@<name>". */
const MEMBER_ROLE = String.raw`(name) => {
  const accounts = Array.from(document.querySelectorAll("td[data-label='Account'] span.gl-avatar-labeled-sublabel"));
  const index = accounts.findIndex((el) => el.outerText === '@' + name);
  return document.querySelectorAll('td.col-max-role span')[index].outerText;
}`;

/** Magento product details: the values of the rows whose label holds any of the " |OR| " terms, joined by ", ". */
const PRODUCT_ATTRIBUTES = String.raw`(attribute) => {
  try {
    const terms = attribute.toLowerCase().split(' |or| ');
    return Array.from(document.querySelector('#productDetails_detailBullets_sections1 > tbody').children)
      .filter((row) => terms.some((t) => row.children[0].outerText.toLowerCase().includes(t)))
      .map((row) => row.children[1].outerText)
      .join(', ');
  } catch (e) {
    return '';
  }
}`;

/** Magento product page: the final price without its currency sign, 0 when absent. */
const PRODUCT_PRICE = String.raw`() => {
  const price = parseFloat(document.querySelector('#maincontent > div.columns > div > div.product-info-main > div.product-info-price > div.price-box.price-final_price > span > span').outerText.substr(1));
  return price ? price : 0;
}`;

type BuiltIn = (page: Page, args: readonly string[]) => Promise<unknown>;

/** Built-in helpers by name, with the number of arguments each takes (after `__page__`). */
const BUILT_IN: Readonly<Record<string, { readonly arity: number; readonly page: boolean; readonly run: BuiltIn }>> = {
  // The text of the first element matching the selector (textContent, not lower-cased), or "".
  get_query_text: {
    arity: 1, page: true,
    run: (page, [selector]) => inPage(page, QUERY_TEXT, selector, ''),
  },
  get_query_text_lowercase: {
    arity: 1, page: true,
    run: async (page, [selector]) => String(await inPage(page, QUERY_TEXT, selector, '')).toLowerCase(),
  },
  // GitLab's project members page: the Max role of the member whose account reads "@<name>", or "".
  gitlab_get_project_memeber_role: {
    arity: 1, page: true,
    run: (page, [account]) => inPage(page, MEMBER_ROLE, account, ''),
  },
  reddit_get_post_url: { arity: 1, page: false, run: async (_page, [url]) => redditGetPostUrl(url!) },
  // Magento order page helpers.
  shopping_get_order_product_name_list: {
    arity: 0, page: true,
    run: async (page) => {
      const rows = await orderRows(page);
      // A row without a name cell raises in Python (KeyError), which the helper turns into "".
      return rows.every((r) => typeof r.name === 'string') ? rows.map((r) => r.name).join(' |OR| ') : '';
    },
  },
  shopping_get_order_product_quantity: {
    arity: 1, page: true,
    run: async (page, [sku]) => {
      const skus = sku!.includes('|OR|') ? sku!.split(' |OR| ') : [sku!];
      for (const row of await orderRows(page)) {
        if (skus.includes((row.sku ?? '').trim())) {
          // The cell reads "Ordered<qty>"; Python's int() of the rest, 0 where it raises.
          const qty = (row.qty ?? '').slice(7).trim();
          return /^[+-]?\d+$/.test(qty) ? Number(qty) : 0;
        }
      }
      return 0;
    },
  },
  shopping_get_order_product_option: {
    arity: 2, page: true,
    run: async (page, [sku, option]) => (await orderRows(page)).find((r) => (r.sku ?? '').trim() === sku)?.options?.[option!] ?? '',
  },
  // Magento product page helpers.
  shopping_get_product_attributes: {
    arity: 1, page: true,
    run: (page, [attribute]) => inPage(page, PRODUCT_ATTRIBUTES, attribute, ''),
  },
  shopping_get_product_price: {
    arity: 0, page: true,
    run: (page) => inPage(page, PRODUCT_PRICE, null, 0),
  },
  shopping_get_num_reviews: {
    arity: 0, page: true,
    run: (page) => inPage(page, "() => parseInt(document.querySelector('#tab-label-reviews-title').outerText.split(' ')[1]) || 0", null, 0),
  },
  shopping_get_rating_as_percentage: {
    arity: 0, page: true,
    run: (page) => inPage(page, "() => parseFloat(document.querySelector('.rating-result').title.replace('%', '')) || 0", null, 0),
  },
  // Postmill comment helpers.
  reddit_get_latest_comment_content_by_username: {
    arity: 1, page: true,
    run: async (page, [username]) => latestCommentBy(await commentTree(page), username!)?.content ?? '',
  },
  reddit_get_parent_comment_username_of_latest_comment_by_username: {
    arity: 1, page: true,
    run: async (page, [username]) => parentOfLatestCommentBy(await commentTree(page), username!)?.username ?? '',
  },
};

/** Names of the built-in `func:` helpers. */
export const BUILT_IN_HELPERS: readonly string[] = Object.freeze(Object.keys(BUILT_IN));

/**
 * Evaluates a `func:` expression on the final page: a user's helper of that name first, else a
 * built-in one. Throws UnsupportedHelperError naming the helper when neither applies.
 */
export async function callHelper(expression: string, page: Page, helpers: Readonly<Record<string, WebArenaHelper>> | undefined): Promise<unknown> {
  const call = parseHelperCall(expression);
  if (!call) throw new UnsupportedHelperError(`func:${expression} is not a helper call this SDK can read (name(args) with string arguments)`);
  const own = helpers?.[call.name];
  if (own) return own(page, ...call.args);
  const builtIn = BUILT_IN[call.name];
  if (!builtIn) {
    throw new UnsupportedHelperError(`func:${expression}: ${call.name} needs the site's own API (WebArena's helper functions), which this SDK does not call; register it with the helpers option (built in: ${BUILT_IN_HELPERS.join(', ')})`);
  }
  const args = builtIn.page ? call.args.slice(1) : call.args;
  if ((builtIn.page && call.args[0] !== '__page__' && call.args[0] !== 'page') || args.length !== builtIn.arity) {
    throw new UnsupportedHelperError(`func:${expression}: ${call.name} takes ${builtIn.page ? '__page__ and ' : ''}${builtIn.arity} argument(s)`);
  }
  return builtIn.run(page, args);
}
