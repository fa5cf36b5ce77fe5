/**
 * `work`, or the signal's reason as soon as the signal fires: a deadline holds even against a
 * callee that ignores its signal (a port, a driver call stuck behind a busy server). The late
 * answer is dropped (a late rejection is swallowed); whatever `work` does may still happen, so the
 * caller treats the call as one whose outcome is unknown (an idempotency key makes a repeat safe).
 */
export function untilAborted<T>(signal: AbortSignal, work: Promise<T>): Promise<T> {
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      work.catch(() => undefined);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    void work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
