import type { EntityManager } from '@mikro-orm/core';
import { around } from 'geokdbush';
import KDBush from 'kdbush';
import type { Position } from '../domain/shipment.js';
import type { DeliveryRepository, PartnerGeometry } from '../persistence/delivery.repository.js';

/**
 * Where partners are: homes in a kd-tree (kdbush, great-circle search by geokdbush) and service
 * areas in a map, so that an assignment reads and ranks only the partners that may serve its
 * address instead of every partner. A partner serves an address whose ZIP starts with one of its
 * areas or that lies within its radius (`serves` in domain/assignment.ts), so `candidates` returns
 * the union of the area matches and the homes within the largest radius: a superset of the
 * partners that serve it, which `rankCandidates` then judges on their current rows.
 *
 * Measured by `bench/nearest-candidates.ts` (root README, Benchmarks): per assignment, 12.2 ms →
 * 1.7 ms at the 376 seeded partners, 204 ms → 11 ms at 10,000, with the same best partner.
 */
export class CandidateIndex {
  private readonly tree: KDBush;
  private readonly byArea = new Map<string, string[]>();
  private readonly maxRadiusKm: number;

  constructor(readonly partners: readonly PartnerGeometry[]) {
    this.tree = new KDBush(partners.length);
    for (const p of partners) this.tree.add(p.home.longitude, p.home.latitude);
    this.tree.finish();
    let maxRadiusKm = 0;
    for (const p of partners) {
      maxRadiusKm = Math.max(maxRadiusKm, p.radiusKm);
      for (const area of p.serviceAreas) {
        const ids = this.byArea.get(area);
        if (ids === undefined) this.byArea.set(area, [p.id]);
        else ids.push(p.id);
      }
    }
    this.maxRadiusKm = maxRadiusKm;
  }

  /** Ids of the partners that may serve `postalCode` at `destination` (a superset). */
  candidates(postalCode: string, destination: Position): string[] {
    const ids = new Set<string>();
    for (let n = 1; n <= postalCode.length; n++)
      for (const id of this.byArea.get(postalCode.slice(0, n)) ?? []) ids.add(id);
    if (this.partners.length > 0)
      for (const i of around(
        this.tree,
        destination.longitude,
        destination.latitude,
        Infinity,
        this.maxRadiusKm,
      ))
        ids.add(this.partners[i]!.id);
    return [...ids];
  }
}

/**
 * The index of the partners as the database has them now. Homes, radii and areas change rarely
 * but may change through any replica (or a seed script), so before each use one cheap query
 * (`partnerGeometryVersion`: the latest `geometry_at`, an indexed MAX) says whether the index
 * must be rebuilt. Loads and availability are not in the index: the engine reads them from the
 * candidates' current rows.
 *
 * The MAX alone can miss one case: two partners written concurrently, the earlier-stamped one
 * committing after a rebuild already saw the later one. So an index is also rebuilt once it is
 * `maxAgeMs` old: such a partner waits at most that long to be offered work.
 */
export class CandidateIndexCache {
  private cached: { version: string; builtAt: number; index: CandidateIndex } | undefined;

  constructor(
    private readonly repo: DeliveryRepository,
    /** @default 30_000 */
    private readonly maxAgeMs = 30_000,
  ) {}

  async current(em: EntityManager): Promise<CandidateIndex> {
    const version = await this.repo.partnerGeometryVersion(em);
    const cached = this.cached;
    if (cached?.version === version && Date.now() - cached.builtAt < this.maxAgeMs)
      return cached.index;
    const builtAt = Date.now();
    const index = new CandidateIndex(await this.repo.partnerGeometries(em));
    // Concurrent rebuilds may race here; any of them is as fresh as the version it read.
    this.cached = { version, builtAt, index };
    return index;
  }
}
