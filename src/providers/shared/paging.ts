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
