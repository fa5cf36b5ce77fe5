import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitOptions {
  /** @default 10000 */
  readonly timeoutMs?: number;
  /** @default 100 */
  readonly intervalMs?: number;
  /** Named in the error when the deadline passes. */
  readonly what?: string;
}

/**
 * Polls `check` until it returns a value other than undefined/false, or the deadline passes.
 * Tests wait for conditions, never for fixed times.
 */
export async function waitUntil<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  options: WaitOptions = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const suffix = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out waiting for ${options.what ?? 'condition'}${suffix}`);
    }
    await sleep(options.intervalMs ?? 100);
  }
}
