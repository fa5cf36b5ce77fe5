/**
 * Open connections per key (a user, or the address of an anonymous client) on this replica, each
 * key capped. Not shared through Redis: a count there outlives a replica killed with SIGKILL
 * (nothing decrements it), so it would need leases renewed by every replica and swept when one
 * stops renewing, and it would put Redis on the path of every connect. Per replica, the bound is
 * the cap times the number of replicas, which is what the cap is for: a client cannot open
 * sockets without limit. Acquire and release are synchronous, so two connects of one user racing
 * on this replica cannot both take the last slot.
 */
export class ConnectionCaps {
  private readonly counts = new Map<string, number>();

  /** Takes a slot of `key` if fewer than `limit` are held; false when the cap is reached. */
  tryAcquire(key: string, limit: number): boolean {
    const held = this.counts.get(key) ?? 0;
    if (held >= limit) return false;
    this.counts.set(key, held + 1);
    return true;
  }

  /** Gives back a slot taken by `tryAcquire` (once per successful acquire). */
  release(key: string): void {
    const held = this.counts.get(key) ?? 0;
    if (held <= 1) this.counts.delete(key);
    else this.counts.set(key, held - 1);
  }

  /** Slots held by `key`. */
  held(key: string): number {
    return this.counts.get(key) ?? 0;
  }
}
