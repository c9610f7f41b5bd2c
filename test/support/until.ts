/**
 * Polling waits for tests: look at a condition every `intervalMs` until it holds, and fail after
 * `timeoutMs` with an error that names what was awaited (the one thing a red test needs to say).
 */

/** Resolves with the first value `probe` gives that is not undefined; throws after `timeoutMs`. */
export async function untilDefined<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs: number,
  what: string,
  intervalMs = 5,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Resolves once `check` holds; throws after `timeoutMs`. */
export async function until(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string,
  intervalMs = 5,
): Promise<void> {
  await untilDefined(async () => ((await check()) ? true : undefined), timeoutMs, what, intervalMs);
}
