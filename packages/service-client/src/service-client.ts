import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { CONTEXT_HEADERS, currentContext } from '@shop/platform';
import {
  BrokenCircuitError,
  ConsecutiveBreaker,
  ExponentialBackoff,
  circuitBreaker,
  handleWhen,
  retry,
  wrap,
  type IPolicy,
} from 'cockatiel';
import { Kind, OperationTypeNode, print, type OperationDefinitionNode } from 'graphql';
import { SERVICE_TOKEN_HEADER, type ServiceSigner } from './service-identity.js';

/** Why a call to another service failed; `retryable` failures count against the breaker. */
export type ServiceCallFailure =
  | 'timeout' // no answer within the deadline (a stalled callee)
  | 'unreachable' // connection refused or reset, or a 5xx
  | 'circuit-open' // the breaker is open: failed fast without calling
  | 'rejected' // a 4xx, e.g. the callee refused our service token
  | 'graphql'; // the callee answered with GraphQL errors

/** A call to another service failed; the message names the callee, the operation and why. */
export class ServiceCallError extends Error {
  override readonly name = 'ServiceCallError';
  constructor(
    readonly callee: string,
    readonly operation: string,
    readonly failure: ServiceCallFailure,
    detail: string,
    readonly codes: readonly string[] = [],
  ) {
    super(`${callee} ${operation}: ${detail}`);
  }

  /** Worth another attempt (for a query) and a sign the callee is unwell (for the breaker). */
  get transient(): boolean {
    return this.failure === 'timeout' || this.failure === 'unreachable';
  }
}

export interface ServiceClientOptions {
  /** The callee's name: the audience of our service token and the prefix of every error. */
  readonly callee: string;
  /** The callee's GraphQL endpoint, e.g. `http://catalog:4001/graphql`. */
  readonly url: string;
  /** Signs this service's own identity; the callee verifies it against its configured keys. */
  readonly signer: ServiceSigner;
  /**
   * Deadline of one call, retries and backoff included: past it the call fails with `timeout`.
   * @default 2000
   */
  readonly timeoutMs?: number;
  /**
   * Attempts of a query (idempotent) in all; a mutation is sent once, whatever this says, since a
   * retry after a lost answer could apply it twice.
   * @default 3
   */
  readonly queryAttempts?: number;
  /**
   * First backoff between query attempts; it doubles (with jitter) on each retry.
   * @default 50
   */
  readonly backoffMs?: number;
  /**
   * Consecutive transient failures (timeout, refused, 5xx) that open the breaker.
   * @default 5
   */
  readonly breakerThreshold?: number;
  /**
   * How long an open breaker fails calls fast before letting one trial call through.
   * @default 10000
   */
  readonly halfOpenAfterMs?: number;
}

/** The variables argument: optional when the operation has none. */
type VariablesArg<V> = V extends Record<string, never> ? [variables?: V] : [variables: V];

const printed = new WeakMap<object, { text: string; name: string; idempotent: boolean }>();
function describe(document: TypedDocumentNode<unknown, never>) {
  let entry = printed.get(document);
  if (entry === undefined) {
    const op = document.definitions.find(
      (d): d is OperationDefinitionNode => d.kind === ('OperationDefinition' as Kind),
    );
    if (op === undefined) throw new Error('a service call needs an operation');
    entry = {
      text: print(document),
      name: op.name?.value ?? op.operation,
      idempotent: op.operation === OperationTypeNode.QUERY,
    };
    printed.set(document, entry);
  }
  return entry;
}

/**
 * A typed GraphQL client of one callee (Feign-style): each call takes a typed document generated
 * from the callee's schema and returns its typed result. Every call carries this service's signed
 * identity and the current request id, has one deadline, is retried with backoff only when it is a
 * query, and goes through a circuit breaker (cockatiel) shared by all calls to the callee.
 */
export class ServiceClient {
  private readonly timeoutMs: number;
  private readonly breaker;
  private readonly queries: IPolicy;
  private readonly mutations: IPolicy;

  constructor(private readonly options: ServiceClientOptions) {
    this.timeoutMs = options.timeoutMs ?? 2000;
    const transient = handleWhen((err) => err instanceof ServiceCallError && err.transient);
    this.breaker = circuitBreaker(transient, {
      halfOpenAfter: options.halfOpenAfterMs ?? 10_000,
      breaker: new ConsecutiveBreaker(options.breakerThreshold ?? 5),
    });
    // Retry wraps the breaker: each attempt is one breaker call, and an open breaker
    // (BrokenCircuitError, not transient) ends the retries at once.
    const retries = retry(transient, {
      maxAttempts: Math.max(0, (options.queryAttempts ?? 3) - 1),
      backoff: new ExponentialBackoff({ initialDelay: options.backoffMs ?? 50, maxDelay: 1000 }),
    });
    this.queries = wrap(retries, this.breaker);
    this.mutations = this.breaker;
  }

  /** The breaker's state, for readiness and metrics: `closed`, `open`, `halfOpen` or `isolated`. */
  get circuit(): string {
    return ['closed', 'open', 'halfOpen', 'isolated'][this.breaker.state] ?? 'unknown';
  }

  /**
   * Sends one operation and returns its `data`.
   * @throws ServiceCallError on timeout, an unreachable callee, an open breaker, a refusal or
   * GraphQL errors in the answer.
   */
  async call<R, V>(document: TypedDocumentNode<R, V>, ...[variables]: VariablesArg<V>): Promise<R> {
    const { text, name, idempotent } = describe(document);
    const deadline = AbortSignal.timeout(this.timeoutMs);
    const policy = idempotent ? this.queries : this.mutations;
    try {
      return await policy.execute(
        ({ signal }) => this.send<R>(text, name, variables ?? {}, signal),
        deadline,
      );
    } catch (err) {
      if (err instanceof BrokenCircuitError)
        throw new ServiceCallError(this.options.callee, name, 'circuit-open', 'circuit open');
      // The deadline ran out during a backoff wait rather than a request.
      if (!(err instanceof ServiceCallError) && deadline.aborted) throw this.timeout(name);
      throw err;
    }
  }

  private timeout(name: string): ServiceCallError {
    return new ServiceCallError(
      this.options.callee,
      name,
      'timeout',
      `no answer within ${this.timeoutMs} ms`,
    );
  }

  private async send<R>(
    query: string,
    name: string,
    variables: unknown,
    signal: AbortSignal,
  ): Promise<R> {
    const { callee, url, signer } = this.options;
    const fail = (failure: ServiceCallFailure, detail: string, codes: string[] = []) =>
      new ServiceCallError(callee, name, failure, detail, codes);
    let res: Response;
    let body: { data?: R | null; errors?: { message: string; extensions?: { code?: string } }[] };
    try {
      res = await fetch(url, {
        method: 'POST',
        signal,
        headers: {
          'content-type': 'application/json',
          [SERVICE_TOKEN_HEADER]: await signer.tokenFor(callee),
          [CONTEXT_HEADERS.requestId]: currentContext()?.requestId ?? crypto.randomUUID(),
        },
        body: JSON.stringify({ query, variables, operationName: name }),
      });
      if (res.status >= 500) throw fail('unreachable', `answered ${res.status}`);
      body = (await res.json()) as typeof body;
    } catch (err) {
      if (err instanceof ServiceCallError) throw err;
      if (signal.aborted) throw this.timeout(name);
      throw fail(
        'unreachable',
        err instanceof Error
          ? ((err.cause as Error | undefined)?.message ?? err.message)
          : String(err),
      );
    }
    const codes = (body.errors ?? []).map((e) => e.extensions?.code ?? 'INTERNAL');
    if (res.status >= 400 && (body.data === undefined || body.data === null))
      throw fail('rejected', `answered ${res.status}: ${body.errors?.[0]?.message ?? ''}`, codes);
    if (body.errors !== undefined && body.errors.length > 0)
      throw fail('graphql', body.errors.map((e) => e.message).join('; '), codes);
    if (body.data === undefined || body.data === null) throw fail('graphql', 'answered no data');
    return body.data;
  }
}
