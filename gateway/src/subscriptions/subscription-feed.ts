import type { ApolloServer } from '@apollo/server';
import type { Logger } from '@shop/platform';
import { GraphQLError, type DocumentNode, type ExecutionResult } from 'graphql';
import type { GatewayContext } from '../gateway-feature.js';
import { AFTER_VARIABLE, CURSOR_ALIAS, FIRST_VARIABLE } from './log-query.js';

/** Codes that end a subscription: asking again would get the same answer. */
const FINAL_CODES = new Set([
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'BAD_USER_INPUT',
  'GRAPHQL_VALIDATION_FAILED',
  'RATE_LIMITED',
]);
const RETRY_MS = [250, 1000, 2000, 5000];

/** A page of the log could not be read; `final` when asking again would not help. */
export class LogReadError extends Error {
  constructor(
    readonly errors: readonly GraphQLError[],
    readonly final: boolean,
  ) {
    super(errors[0]?.message ?? 'log read failed');
  }
}

/** One page of a log: the updates after a cursor, each with its cursor under CURSOR_ALIAS. */
export interface LogPage {
  readonly items: readonly unknown[];
  /** Errors of a partial result (a subgraph behind one field failed), pathed from the log field. */
  readonly errors: readonly GraphQLError[];
}

/** Reads at most `first` updates after `after`; throws LogReadError. */
export type LogPageReader = (after: string | null, first: number) => Promise<LogPage>;

/**
 * The reader of a subscription's log through the gateway's executor (the query planner), as the
 * subscriber: `query` is the log query built by `logQuery`.
 */
export function executorLogReader(
  apollo: ApolloServer<GatewayContext>,
  query: DocumentNode,
  variables: Readonly<Record<string, unknown>>,
  responseKey: string,
  context: GatewayContext,
): LogPageReader {
  return async (after, first) => {
    // A context per read, as each HTTP request has its own; the identity stays the same.
    const response = await apollo.executeOperation(
      { query, variables: { ...variables, [AFTER_VARIABLE]: after, [FIRST_VARIABLE]: first } },
      { contextValue: { ...context } },
    );
    if (response.body.kind !== 'single') throw new Error('incremental delivery is not expected');
    const { data, errors } = response.body.singleResult;
    const gqlErrors = (errors ?? []).map(
      (e) => new GraphQLError(e.message, { path: e.path, extensions: e.extensions }),
    );
    const items = data?.[responseKey];
    if (!Array.isArray(items)) {
      const final = gqlErrors.some((e) => FINAL_CODES.has(String(e.extensions.code)));
      throw new LogReadError(gqlErrors, final);
    }
    return { items, errors: gqlErrors };
  };
}

export interface SubscriptionFeedOptions {
  /** Updates asked for per log read. @default 50 */
  readonly pageSize: number;
  /** The next page is read only while fewer updates than this wait for the client. @default 100 */
  readonly maxQueued: number;
  readonly logger: Logger;
  /** Called once per page read (a metric). */
  readonly onPage?: (size: number) => void;
}

/**
 * One subscription: a cursor in a log and the results waiting for the client. `catchUp` reads the
 * log after the cursor page by page through the gateway's executor, queueing one result per update
 * and moving the cursor past each; concurrent wakes while it reads coalesce into one more pass.
 * Because every delivery, replayed or live, is "the next entries after my cursor", each update
 * reaches this subscriber once and in log order, whatever signals were duplicated, reordered or
 * lost on the way.
 *
 * Backpressure: a pass stops before a page when `maxQueued` results already wait, and marks the
 * feed behind; `next()` (graphql-ws pulls the next result only once the socket has written the
 * previous one out) resumes reading once the queue has drained to half of that. So an old cursor
 * never loads its whole backlog: at most `maxQueued` + one page are held. Stopping between pages
 * keeps exactly-once across the backlog/live boundary: the cursor is the only state, a live wake
 * while behind reads nothing (the queue is full) and the resumed pass reads on from the cursor,
 * reaching the live updates after the backlog, in order.
 */
export class SubscriptionFeed implements AsyncIterableIterator<ExecutionResult> {
  private readonly queue: ExecutionResult[] = [];
  private waiter: ((r: IteratorResult<ExecutionResult>) => void) | undefined;
  private closed = false;
  private reading: Promise<void> | undefined;
  private again = false;
  /** A pass stopped for backpressure: there may be more after the cursor. */
  private behind = false;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly pageSize: number;
  private readonly maxQueued: number;

  constructor(
    private readonly readPage: LogPageReader,
    private readonly responseKey: string,
    private cursor: string | null,
    private readonly options: SubscriptionFeedOptions,
    private readonly onClose: () => void,
  ) {
    this.pageSize = options.pageSize;
    this.maxQueued = options.maxQueued;
  }

  /** Results waiting for the client. */
  queued(): number {
    return this.queue.length;
  }

  private async readUntilCaughtUp(): Promise<void> {
    while (!this.closed) {
      if (this.queue.length >= this.maxQueued) {
        this.behind = true;
        return;
      }
      const { items, errors } = await this.readPage(this.cursor, this.pageSize);
      this.options.onPage?.(items.length);
      items.forEach((item, index) => {
        // Partial results (a subgraph behind one field failed) keep their errors, re-pathed.
        const own = errors
          .filter((e) => e.path?.[1] === index)
          .map(
            (e) =>
              new GraphQLError(e.message, {
                path: [this.responseKey, ...(e.path ?? []).slice(2)],
                extensions: e.extensions,
              }),
          );
        // The cursor the gateway selected for itself, whether or not the client selected one.
        const { [CURSOR_ALIAS]: cursor, ...value } = item as Record<string, unknown>;
        this.push({ data: { [this.responseKey]: value }, ...(own.length ? { errors: own } : {}) });
        if (typeof cursor === 'string') this.cursor = cursor;
      });
      if (items.length < this.pageSize) return;
    }
  }

  /**
   * The first read, before the subscription is acknowledged: it authorizes (the owning subgraph
   * refuses a foreign order) and replays what came after the client's cursor.
   */
  async open(): Promise<void> {
    const first = this.readUntilCaughtUp();
    // Wakes that arrive meanwhile coalesce into one more pass after it (see wake()).
    this.reading = first.then(
      () => undefined,
      () => undefined,
    );
    try {
      await first;
    } finally {
      this.reading = undefined;
      if (this.again) this.wake();
    }
  }

  /** Something may have been appended: read after the cursor (once more if already reading). */
  wake(): void {
    if (this.closed) return;
    if (this.reading !== undefined) {
      this.again = true;
      return;
    }
    this.reading = (async () => {
      do {
        this.again = false;
        try {
          await this.readUntilCaughtUp();
          this.failures = 0;
        } catch (err) {
          if (err instanceof LogReadError && err.final) {
            this.fail(err.errors);
            return;
          }
          // A subgraph or the network failed (each call has its deadline): try again later; the
          // cursor has not moved, so nothing is lost or repeated.
          this.options.logger.warn({ err }, 'subscription log read failed; retrying');
          const delay = RETRY_MS[Math.min(this.failures++, RETRY_MS.length - 1)] ?? 5000;
          clearTimeout(this.retryTimer);
          this.retryTimer = setTimeout(() => this.wake(), delay);
          return;
        }
      } while (this.again && !this.closed);
    })().finally(() => {
      this.reading = undefined;
    });
  }

  private push(result: ExecutionResult): void {
    if (this.closed) return;
    const waiter = this.waiter;
    this.waiter = undefined;
    if (waiter !== undefined) waiter({ value: result, done: false });
    else this.queue.push(result);
  }

  private fail(errors: readonly GraphQLError[]): void {
    this.push({ errors: [...errors] });
    void this.return();
  }

  next(): Promise<IteratorResult<ExecutionResult>> {
    const value = this.queue.shift();
    if (value !== undefined) {
      if (this.behind && this.queue.length <= this.maxQueued / 2) {
        this.behind = false;
        this.wake();
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  return(): Promise<IteratorResult<ExecutionResult>> {
    if (!this.closed) {
      this.closed = true;
      clearTimeout(this.retryTimer);
      this.onClose();
    }
    // Results already queued (a final error) are still drained by next(); a pending next() ends.
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.({ value: undefined, done: true });
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/** What the hub needs of a subscription: a wake-up (a no-op once it is closed). */
export interface Wakeable {
  wake(): void;
}

/** The open subscriptions of this replica, by wake-up key. */
export class SubscriptionHub<F extends Wakeable = SubscriptionFeed> {
  private readonly byKey = new Map<string, Set<F>>();
  /** The current resync sweep: what it has yet to wake, its size when it began, its progress. */
  private sweep: F[] = [];
  private sweepSize = 0;
  private swept = 0;
  private sweepStep = 0;

  add(key: string, feed: F): () => void {
    let set = this.byKey.get(key);
    if (set === undefined) this.byKey.set(key, (set = new Set()));
    set.add(feed);
    return () => {
      set.delete(feed);
      if (set.size === 0 && this.byKey.get(key) === set) this.byKey.delete(key);
    };
  }

  wake(keys: readonly string[]): void {
    for (const key of keys) for (const feed of this.byKey.get(key) ?? []) feed.wake();
  }

  /** Every subscription at once: after this replica's consumer (re)joined and may have missed events. */
  wakeAll(): void {
    for (const set of this.byKey.values()) for (const feed of set) feed.wake();
  }

  /**
   * One of `slices` steps of the periodic resync (the safety net for an event the consumer never
   * saw): called every resync interval ÷ `slices`, it wakes the next share of the subscriptions
   * open when the sweep began, so each sweep wakes each of them once and never all at once. All at
   * once, a thousand subscriptions each read their log through the executor in the same moment,
   * and events arriving then waited behind those reads: the subscriptions bench's p99 at 1,000
   * went from ~20 ms to 500–800 ms. A subscription opened during a sweep did its own first read
   * and joins the next sweep; one closed meanwhile ignores its wake. A subscription's place in a
   * sweep can move (others open and close), so two of its resyncs are at most two intervals
   * apart, one interval apart while the set is steady.
   */
  resyncSlice(slices: number): void {
    if (this.sweepStep === 0) {
      this.sweep = [...this.byKey.values()].flatMap((set) => [...set]);
      this.sweepSize = this.sweep.length;
      this.swept = 0;
    }
    this.sweepStep++;
    // Step k of n ends at k/n of the sweep: shares differ by at most one, and the last step ends
    // it. Woken ones leave the array at once, so a closed subscription is not held until the end.
    const end = Math.floor((this.sweepStep * this.sweepSize) / slices);
    for (const feed of this.sweep.splice(0, end - this.swept)) feed.wake();
    this.swept = end;
    if (this.sweepStep >= slices) this.sweepStep = 0;
  }

  size(): number {
    let n = 0;
    for (const set of this.byKey.values()) n += set.size;
    return n;
  }
}
