/** Reads page after page until the provider says the last one came; guarded against endless paging. */
export async function collectPages<T>(
  fetchPage: (page: number) => Promise<{ items: T[]; last: boolean }>,
  options: { firstPage?: number; maxPages?: number } = {},
): Promise<T[]> {
  const first = options.firstPage ?? 1;
  const maxPages = options.maxPages ?? 1000;
  const all: T[] = [];
  for (let page = first; page < first + maxPages; page++) {
    const { items, last } = await fetchPage(page);
    all.push(...items);
    if (last || items.length === 0) return all;
  }
  throw new Error(`gave up after ${maxPages} pages`);
}

/**
 * A list paged by offset whose length is not told (OData `$skip`/`$top`): the first page alone,
 * then, while pages come back full, several at once (4, then up to `maxWidth`), so that a long list
 * takes a few round trips rather than one per page. A server may return fewer than asked, so the
 * first page's length is the page size, and a page shorter than that ends the list; a short first
 * page is confirmed by the next. A first page with fewer than `endsBelow` items is the end (a
 * lookup by an exact value, which finds one item or none).
 */
export async function offsetPages<T>(
  fetchPage: (skip: number) => Promise<T[]>,
  options: { asked: number; maxWidth: number; endsBelow?: number; maxPages?: number },
): Promise<T[]> {
  const all = await fetchPage(0);
  const size = all.length;
  if (size === 0 || size < (options.endsBelow ?? 0)) return all;
  let width = size === options.asked ? Math.min(4, options.maxWidth) : 1;
  for (let fetched = 1; fetched < (options.maxPages ?? 1000); fetched += width) {
    const offset = all.length;
    const pages = await Promise.all(Array.from({ length: width }, (_, i) => fetchPage(offset + i * size)));
    for (const page of pages) {
      all.push(...page);
      if (page.length < size) return all;
    }
    width = Math.min(width * 2, options.maxWidth);
  }
  throw new Error(`gave up after ${options.maxPages ?? 1000} pages`);
}
