import { CONTEXT_HEADERS, currentContext, type RequestContext } from '@shop/platform';
import type { IHeaders } from 'kafkajs';

export type MessageHeaders = Record<string, string>;

/** Reads kafkajs headers (Buffer | string | arrays) into plain strings. */
export function readHeaders(headers: IHeaders | undefined): MessageHeaders {
  const out: MessageHeaders = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[name] = first.toString();
  }
  return out;
}

/** Correlation headers for a message produced inside the current async context. */
export function contextHeaders(
  ctx: RequestContext | undefined = currentContext(),
  overrides: Partial<Record<keyof typeof CONTEXT_HEADERS, string | null | undefined>> = {},
): MessageHeaders {
  const out: MessageHeaders = {};
  const set = (name: keyof typeof CONTEXT_HEADERS, fallback: string | undefined): void => {
    const value = overrides[name] === undefined ? fallback : overrides[name];
    if (value !== undefined && value !== null && value !== '') out[CONTEXT_HEADERS[name]] = value;
  };
  set('requestId', ctx?.requestId);
  set('correlationId', ctx?.correlationId ?? ctx?.requestId);
  set('causationId', ctx?.causationId);
  set('sagaId', ctx?.sagaId);
  return out;
}

/** The async context a consumer runs a message's handler in, so every log line carries the ids. */
export function contextFromMessage(
  headers: MessageHeaders,
  envelope?: { readonly id: string; readonly correlationId: string },
): RequestContext {
  const correlationId = headers[CONTEXT_HEADERS.correlationId] ?? envelope?.correlationId;
  const requestId =
    headers[CONTEXT_HEADERS.requestId] ?? correlationId ?? envelope?.id ?? crypto.randomUUID();
  const sagaId = headers[CONTEXT_HEADERS.sagaId];
  return {
    requestId,
    ...(correlationId === undefined ? {} : { correlationId }),
    // Whatever this handler produces is caused by the message being handled.
    ...(envelope === undefined
      ? headers[CONTEXT_HEADERS.causationId] === undefined
        ? {}
        : { causationId: headers[CONTEXT_HEADERS.causationId] }
      : { causationId: envelope.id }),
    ...(sagaId === undefined ? {} : { sagaId }),
  };
}
