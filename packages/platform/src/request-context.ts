import { AsyncLocalStorage } from 'node:async_hooks';

/** What travels with one request or message through every hop and appears in every log line. */
export interface RequestContext {
  readonly requestId: string;
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly sagaId?: string;
  readonly userId?: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

export const runWithContext = <T>(ctx: RequestContext, fn: () => T): T => storage.run(ctx, fn);
export const currentContext = (): RequestContext | undefined => storage.getStore();

/** Header names used for propagation over HTTP and as Kafka message headers. */
export const CONTEXT_HEADERS = {
  requestId: 'x-request-id',
  correlationId: 'x-correlation-id',
  causationId: 'x-causation-id',
  sagaId: 'x-saga-id',
} as const;

const REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/** Accepts a caller's request id only when it is well-formed; otherwise makes a new one. */
export function acceptRequestId(candidate: string | string[] | undefined): string {
  const value = Array.isArray(candidate) ? candidate[0] : candidate;
  return value !== undefined && REQUEST_ID.test(value) ? value : crypto.randomUUID();
}
