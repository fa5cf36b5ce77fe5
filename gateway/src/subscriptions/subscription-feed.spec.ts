import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '@shop/platform';
import { CURSOR_ALIAS } from './log-query.js';
import { SubscriptionFeed, SubscriptionHub, type LogPageReader } from './subscription-feed.js';

/**
 * A gapless log in memory, read as delivery's `*Log` fields answer: the entries after a cursor,
 * oldest first, at most `first`. It records every read, so a test sees how much was asked for.
 */
class MemoryLog {
  readonly entries: number[] = [];
  readonly reads: { after: string | null; first: number }[] = [];

  append(count: number): void {
    for (let i = 0; i < count; i++) this.entries.push(this.entries.length + 1);
  }

  readonly reader: LogPageReader = async (after, first) => {
    this.reads.push({ after, first });
    await Promise.resolve();
    const from = after === null ? 0 : Number(after.slice(2));
    return {
      items: this.entries.slice(from, from + first).map((n) => ({ n, [CURSOR_ALIAS]: `c.${n}` })),
      errors: [],
    };
  };
}

const feedOf = (log: MemoryLog, pageSize: number, maxQueued: number): SubscriptionFeed =>
  new SubscriptionFeed(
    log.reader,
    'u',
    null,
    { pageSize, maxQueued, logger: createLogger('feed-spec', 'silent') },
    () => undefined,
  );

const valueOf = (r: IteratorResult<unknown>): number =>
  (r.value as { data: { u: { n: number } } }).data.u.n;

/** Lets every pending read (each a few microtasks and a timer-free promise chain) settle. */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await new Promise<void>((r) => setImmediate(r));
};

describe('SubscriptionFeed paging and backpressure', () => {
  it('reads an old cursor’s backlog one page at a time, only as the client drains it', async () => {
    const log = new MemoryLog();
    log.append(23);
    const feed = feedOf(log, 5, 5);
    await feed.open();
    // One page fills the queue to the bound: nothing more is read until the client pulls.
    assert.equal(log.reads.length, 1);
    assert.equal(feed.queued(), 5);
    for (let i = 0; i < 10; i++) feed.wake();
    await settle();
    assert.equal(log.reads.length, 1, 'wakes while the queue is full read nothing');

    let maxQueued = feed.queued();
    const got: number[] = [];
    while (got.length < 23) {
      got.push(valueOf(await feed.next()));
      await settle();
      maxQueued = Math.max(maxQueued, feed.queued());
    }
    assert.deepEqual(
      got,
      Array.from({ length: 23 }, (_, i) => i + 1),
    );
    assert.ok(maxQueued < 5 + 5, `at most the bound and a page held, saw ${maxQueued}`);
    assert.ok(log.reads.every((r) => r.first === 5));
    await feed.return();
  });

  it('keeps order and exactly-once across the backlog/live boundary, with wakes racing the drain', async () => {
    const log = new MemoryLog();
    log.append(12);
    const feed = feedOf(log, 4, 4);
    await feed.open();
    const got: number[] = [];
    for (let step = 0; got.length < 30; step++) {
      // Live appends (each with its wake-up signal, some duplicated) while the backlog drains.
      if (step % 3 === 0 && log.entries.length < 30) {
        log.append(Math.min(3, 30 - log.entries.length));
        feed.wake();
        feed.wake();
      }
      const next = feed.next();
      await settle();
      got.push(valueOf(await next));
    }
    await settle();
    assert.equal(feed.queued(), 0, 'nothing delivered twice');
    assert.deepEqual(
      got,
      Array.from({ length: 30 }, (_, i) => i + 1),
    );
    await feed.return();
  });
});

describe('SubscriptionHub resync', () => {
  class Counted {
    wakes = 0;
    wake(): void {
      this.wakes++;
    }
  }

  /** One whole sweep of `slices` steps: how many of `feeds` each step woke. */
  const sweep = (hub: SubscriptionHub<Counted>, feeds: Counted[], slices: number): number[] => {
    const total = (): number => feeds.reduce((n, f) => n + f.wakes, 0);
    const perStep: number[] = [];
    for (let step = 0; step < slices; step++) {
      const before = total();
      hub.resyncSlice(slices);
      perStep.push(total() - before);
    }
    return perStep;
  };

  it('wakes each subscription once per sweep, a share per slice, never all at once', () => {
    const hub = new SubscriptionHub<Counted>();
    const feeds = Array.from({ length: 95 }, () => new Counted());
    feeds.forEach((f, i) => hub.add(`partner-${i % 40}`, f));
    const perSlice = sweep(hub, feeds, 30);
    assert.deepEqual(
      feeds.map((f) => f.wakes),
      feeds.map(() => 1),
    );
    assert.ok(Math.max(...perSlice) <= Math.ceil(95 / 30), `per slice: ${perSlice.join(',')}`);
  });

  it('lets a subscription opened mid-sweep join the next one, and leaves one removed out of it', () => {
    const hub = new SubscriptionHub<Counted>();
    const first = new Counted();
    const removed = new Counted();
    hub.add('a', first);
    const remove = hub.add('b', removed);
    hub.resyncSlice(2); // the sweep holds both; wakes one
    const late = new Counted();
    hub.add('c', late);
    remove();
    hub.resyncSlice(2); // ends the sweep: wakes the other of the two
    assert.equal(late.wakes, 0);
    hub.resyncSlice(2); // next sweep: first and late, one of them now
    hub.resyncSlice(2);
    assert.equal(late.wakes, 1);
    assert.equal(first.wakes, 2);
    // The removed one was in the first sweep's snapshot (its own wake ignores a closed feed) but
    // is not in the next.
    assert.equal(removed.wakes, 1);
  });

  it('spreads fewer subscriptions than slices one per step, and sweeps an empty hub harmlessly', () => {
    const hub = new SubscriptionHub<Counted>();
    for (let step = 0; step < 30; step++) hub.resyncSlice(30); // an empty sweep
    const feeds = Array.from({ length: 7 }, () => new Counted());
    feeds.forEach((f, i) => hub.add(`k${i}`, f));
    const woken = sweep(hub, feeds, 30);
    assert.deepEqual(
      feeds.map((f) => f.wakes),
      feeds.map(() => 1),
    );
    assert.ok(Math.max(...woken) <= 1, `per step: ${woken.join(',')}`);
  });
});
