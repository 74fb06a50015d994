// Small HTML helpers shared by the bundled sites: escaping, a document shell, pagination.

/** Escapes text for HTML content and attribute values. */
export const esc = (s: string | number): string => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A whole HTML document. `css` goes into a <style> element; no external resources are loaded. */
export function documentHtml(title: string, css: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><link rel="icon" href="data:,"><style>${css}</style></head>
<body>${body}</body></html>`;
}

/** One page of `items`: 1-based `page` clamped into range. */
export function paginate<T>(items: readonly T[], page: number, perPage: number): { items: T[]; page: number; pages: number; total: number } {
  const pages = Math.max(1, Math.ceil(items.length / perPage));
  const p = Math.min(Math.max(1, Number.isFinite(page) ? Math.floor(page) : 1), pages);
  return { items: items.slice((p - 1) * perPage, p * perPage), page: p, pages, total: items.length };
}

/** The `page` query parameter as a number (default 1). */
export function pageParam(query: URLSearchParams): number {
  const n = Number(query.get('page') ?? '1');
  return Number.isInteger(n) && n > 0 ? n : 1;
}

/**
 * A pager: "Page 2 of 7" with "Previous page" / "Next page" links. `href(page)` builds the
 * link (keep the other query parameters). Nothing when there is one page.
 */
export function pager(page: number, pages: number, href: (page: number) => string): string {
  if (pages <= 1) return '';
  const prev = page > 1 ? `<a rel="prev" href="${esc(href(page - 1))}">Previous page</a>` : '';
  const next = page < pages ? `<a rel="next" href="${esc(href(page + 1))}">Next page</a>` : '';
  return `<nav class="pager" aria-label="Pages">${prev} <span>Page ${page} of ${pages}</span> ${next}</nav>`;
}

/** `path?params` with the given query parameters (empty values dropped). */
export function withQuery(path: string, params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/** Money in cents as "$1,234.50". */
export function money(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}$${Math.floor(abs / 100).toLocaleString('en-US')}.${String(abs % 100).padStart(2, '0')}`;
}
