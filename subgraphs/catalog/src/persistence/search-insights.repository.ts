import type { MikroORM } from '@mikro-orm/core';
import { sqlRows, sqlRun } from '@shop/messaging';
import type { Logger } from '@shop/platform';

export interface QueryStat {
  readonly query: string;
  readonly searches: number;
  /** Hits of the latest search of this query. */
  readonly lastHits: number;
}

export interface SearchInsightsOptions {
  readonly orm: MikroORM;
  readonly logger: Logger;
  /** Flush the buffer at least this often. @default 1000 */
  readonly flushIntervalMs?: number;
  /** Flush when this many searches wait. @default 500 */
  readonly maxBuffered?: number;
  /** Searches kept in memory at most while the database is unreachable. @default 10000 */
  readonly maxPending?: number;
}

/**
 * Records every search (normalised query, hit count) and answers the admin's questions about them.
 * Searches are buffered and written in batches off the request path: a search never waits for
 * this write, and a database outage drops the oldest records (logged) instead of growing memory.
 */
export class SearchInsights {
  private buffer: { query: string; hits: number; at: Date }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly options: SearchInsightsOptions) {}

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.options.flushIntervalMs ?? 1000);
    this.timer.unref();
  }

  record(query: string, hits: number): void {
    this.buffer.push({ query: query.slice(0, 200), hits, at: new Date() });
    const max = this.options.maxPending ?? 10_000;
    if (this.buffer.length > max) {
      const dropped = this.buffer.length - max;
      this.buffer.splice(0, dropped);
      this.options.logger.warn({ dropped }, 'search insights buffer full; oldest dropped');
    }
    if (this.buffer.length >= (this.options.maxBuffered ?? 500)) void this.flush();
  }

  /** Writes what is buffered (serialised: one flush at a time). */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      const batch = this.buffer.splice(0, 1000);
      if (batch.length === 0) return;
      try {
        await sqlRun(
          this.options.orm.em.fork(),
          `INSERT INTO search_query_log (query, hits, searched_at) VALUES ${batch
            .map(() => '(?, ?, ?)')
            .join(',')}`,
          batch.flatMap((b) => [b.query, b.hits, b.at]),
        );
      } catch (err) {
        this.buffer.unshift(...batch);
        this.options.logger.warn(
          { err, pending: this.buffer.length },
          'search insights write failed',
        );
      }
    });
    return this.flushing;
  }

  async close(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  /** The most searched queries since `since`, with the hits of each one's latest search. */
  async topQueries(since: Date, limit: number): Promise<QueryStat[]> {
    return this.stats(since, limit, false);
  }

  /** The most searched queries since `since` whose latest search found nothing. */
  async zeroResultQueries(since: Date, limit: number): Promise<QueryStat[]> {
    return this.stats(since, limit, true);
  }

  private async stats(since: Date, limit: number, zeroOnly: boolean): Promise<QueryStat[]> {
    const rows = await sqlRows<{ query: string; searches: number | string; last_hits: number }>(
      this.options.orm.em.fork(),
      `SELECT l.query, s.searches, l.hits AS last_hits
         FROM (SELECT query, COUNT(*) AS searches, MAX(id) AS last_id
                 FROM search_query_log WHERE searched_at >= ? GROUP BY query) s
         JOIN search_query_log l ON l.id = s.last_id
        ${zeroOnly ? 'WHERE l.hits = 0' : ''}
        ORDER BY s.searches DESC, l.query ASC
        LIMIT ?`,
      [since, limit],
    );
    return rows.map((r) => ({
      query: r.query,
      searches: Number(r.searches),
      lastHits: r.last_hits,
    }));
  }
}
