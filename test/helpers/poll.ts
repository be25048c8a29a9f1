// One polling helper for the real-time tests: calls `fn` every `everyMs` until it returns a
// truthy value (returned) or `ms` have passed (throws, naming what it waited for). Every suite
// polls through it (some with their own defaults for `ms` and `everyMs`).
export async function until<T>(
  what: string,
  fn: () => T | null | undefined | false | Promise<T | null | undefined | false>,
  ms = 30_000,
  everyMs = 200,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
