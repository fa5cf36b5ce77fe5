/**
 * Loads many keys with one call of `batch`: every `load` made in the same tick joins one batch.
 * A minimal DataLoader for reference resolvers; create one per request.
 */
export class BatchLoader<K, V> {
  private pending: { key: K; resolve: (v: V | undefined) => void; reject: (e: unknown) => void }[] =
    [];
  private readonly cache = new Map<K, Promise<V | undefined>>();

  /** @param batch returns the found values by key; a missing key resolves to `undefined`. */
  constructor(private readonly batch: (keys: readonly K[]) => Promise<ReadonlyMap<K, V>>) {}

  load(key: K): Promise<V | undefined> {
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const promise = new Promise<V | undefined>((resolve, reject) => {
      if (this.pending.length === 0) setImmediate(() => void this.dispatch());
      this.pending.push({ key, resolve, reject });
    });
    this.cache.set(key, promise);
    return promise;
  }

  loadMany(keys: readonly K[]): Promise<(V | undefined)[]> {
    return Promise.all(keys.map((k) => this.load(k)));
  }

  private async dispatch(): Promise<void> {
    const jobs = this.pending;
    this.pending = [];
    try {
      const found = await this.batch([...new Set(jobs.map((j) => j.key))]);
      for (const job of jobs) job.resolve(found.get(job.key));
    } catch (err) {
      for (const job of jobs) {
        this.cache.delete(job.key);
        job.reject(err);
      }
    }
  }
}
