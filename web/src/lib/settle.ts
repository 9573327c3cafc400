/** Calls at a time in a bulk action: a browser's connections to one host, less one for the page's own reads. */
const AT_ONCE = 4;

/**
 * Runs `task` on each item, at most a few at once, and answers each one's outcome in the items'
 * order: a bulk action reports what succeeded and what failed, never stopping half-way unseen.
 */
export async function settleEach<T, R>(items: readonly T[], task: (item: T) => Promise<R>): Promise<PromiseSettledResult<R>[]> {
  const outcomes: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        outcomes[i] = { status: "fulfilled", value: await task(items[i]!) };
      } catch (reason) {
        outcomes[i] = { status: "rejected", reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(AT_ONCE, items.length) }, worker));
  return outcomes;
}
