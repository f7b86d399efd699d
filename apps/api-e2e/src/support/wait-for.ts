/** How long and how often {@link waitFor} polls. */
export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
  /** What is awaited, for the timeout message. */
  what?: string;
}

/** Polls `probe` until it returns a truthy value (returned) or the time is up (throws). */
export async function waitFor<T>(
  probe: () => T | Promise<T>,
  { timeoutMs = 30_000, intervalMs = 50, what = 'a condition' }: WaitOptions = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline)
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
