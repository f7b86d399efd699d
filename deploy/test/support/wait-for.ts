/** Polls `check` until it returns true, or throws `message` after `timeoutMs`. */
export async function waitFor(
  check: () => Promise<boolean>,
  message: string,
  timeoutMs = 60_000,
  intervalMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms: ${message}`);
    await new Promise((resolveDelay) => setTimeout(resolveDelay, intervalMs));
  }
}
