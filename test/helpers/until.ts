/**
 * The one way a test waits: `until(condition, deadline)` asks `condition` again, with a
 * short backoff, until it gives a value other than undefined, null or false (returned; 0
 * is a value, such as an exit code), and fails after `deadline` milliseconds naming `what`
 * it waited for and the last error the condition threw. No fixed sleeps: a fast machine
 * goes on at once, a busy one gets the whole deadline.
 */
export async function until<T>(
  condition: () => T | Promise<T>,
  deadline: number,
  what = 'a condition',
): Promise<Exclude<T, undefined | null | false>> {
  const end = Date.now() + deadline;
  let last: unknown;
  for (let delay = 5; ; delay = Math.min(delay * 2, 200)) {
    try {
      const v = await condition();
      if (v !== undefined && v !== null && v !== false) return v as Exclude<T, undefined | null | false>;
    } catch (err) {
      // Not ready yet (a server still starting, a row not written): asked again until the deadline.
      last = err;
    }
    if (Date.now() > end)
      throw new Error(
        `timed out after ${deadline} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message ?? String(last)})` : ''}`,
      );
    await new Promise((r) => setTimeout(r, delay));
  }
}
