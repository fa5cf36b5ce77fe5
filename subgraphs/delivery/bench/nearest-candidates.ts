// Does a spatial index (kdbush + geokdbush) pay for the assignment engine's candidate search?
// Without an index the engine reads every partner row and ranks them all (a haversine each).
// An index of the partners' homes would answer "who can serve this address" with the partners
// whose ZIP prefix matches plus those within the largest radius of the destination, so only they
// need reading and ranking (src/service/candidate-index.ts). This script measures both ways, per assignment, at the seeded partner
// count (one per ZIP prefix of the Superstore sample) and at 10,000 partners, in process and with
// the partner reads against the local stack's MariaDB (a scratch database, dropped at the end).
// Not a test: it prints figures.   node subgraphs/delivery/dist/bench/nearest-candidates.js
import { TestStack } from '@shop/testing';
import zipcodes from 'zipcodes';
import { planDemoPartners, superstorePostalCodes } from '../src/dev-seed.js';
import type { PartnerCandidate } from '../src/domain/assignment.js';
import { locatePostalCode } from '../src/domain/geo.js';
import type { Position } from '../src/domain/shipment.js';
import { ALWAYS, createDeliveryOrm, rankCandidates, seedDelivery } from '../src/index.js';
import { DeliveryRepository } from '../src/persistence/delivery.repository.js';
import { CandidateIndex, CandidateIndexCache } from '../src/service/candidate-index.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 2000);
const DB_REQUESTS = Number(process.env.BENCH_DB_REQUESTS ?? 200);

/** A deterministic PRNG (mulberry32): the same partners and requests every run. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function syntheticPartners(n: number): Omit<PartnerCandidate, 'id'>[] {
  const rand = prng(42);
  const codes = Object.keys((zipcodes as unknown as { codes: Record<string, unknown> }).codes);
  const located = codes.filter((c) => locatePostalCode(c) !== undefined);
  return Array.from({ length: n }, () => {
    const code = located[Math.floor(rand() * located.length)]!;
    return {
      capacity: 20,
      load: Math.floor(rand() * 10),
      rating: 3 + rand() * 2,
      available: rand() > 0.2,
      home: locatePostalCode(code)!,
      radiusKm: 10 + Math.floor(rand() * 30),
      serviceAreas: [code.slice(0, 3)],
      workingHours: ALWAYS,
    };
  });
}

const perOp = (ms: number, ops: number): string => `${((ms * 1000) / ops).toFixed(1)} µs`;
const time = <T>(f: () => T): [T, number] => {
  const t0 = performance.now();
  const r = f();
  return [r, performance.now() - t0];
};

const destinations = (await superstorePostalCodes())
  .map((code) => ({ code, at: locatePostalCode(code) }))
  .filter((d): d is { code: string; at: Position } => d.at !== undefined);
const rand = prng(7);
const requests = Array.from(
  { length: REQUESTS },
  () => destinations[Math.floor(rand() * destinations.length)]!,
);
const now = new Date();

const seeded = planDemoPartners(destinations.map((d) => d.code)).map((p) => ({
  ...p,
  load: 0,
  home: locatePostalCode(p.homePostalCode)!,
}));
const scenarios = [
  { name: `seeded (${seeded.length})`, partners: seeded },
  { name: '10,000 synthetic', partners: syntheticPartners(10_000) },
];

const stack = new TestStack('nearest');
console.log(
  `${REQUESTS} assignment requests to the Superstore order lines' postal codes (${DB_REQUESTS} for the rows with MariaDB reads), medians not needed: single-threaded loops, node ${process.version}\n`,
);
console.log(
  '| partners | index build | considered per request (scan / index) | rank: full scan | rank: index lookup + rank subset | read + rank: all rows | read + rank: index + rows IN (…) | same best partner |',
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
try {
  for (const s of scenarios) {
    const partners: PartnerCandidate[] = s.partners.map((p, i) => ({
      ...p,
      id: `p${String(i).padStart(5, '0')}`,
    }));
    const [index, buildMs] = time(() => new CandidateIndex(partners));
    const byId = new Map(partners.map((p) => [p.id, p]));
    // warm both paths
    for (const r of requests.slice(0, 200)) {
      rankCandidates(partners, { postalCode: r.code, destination: r.at, units: 1 }, now);
      index.candidates(r.code, r.at);
    }
    let same = 0;
    let considered = 0;
    const [, scanMs] = time(() => {
      for (const r of requests)
        rankCandidates(partners, { postalCode: r.code, destination: r.at, units: 1 }, now);
    });
    const [, indexMs] = time(() => {
      for (const r of requests) {
        const ids = index.candidates(r.code, r.at);
        considered += ids.length;
        rankCandidates(
          ids.map((id) => byId.get(id)!),
          { postalCode: r.code, destination: r.at, units: 1 },
          now,
        );
      }
    });
    for (const r of requests) {
      const req = { postalCode: r.code, destination: r.at, units: 1 };
      const a = rankCandidates(partners, req, now).candidates[0]?.partnerId;
      const b = rankCandidates(
        index.candidates(r.code, r.at).map((id) => byId.get(id)!),
        req,
        now,
      ).candidates[0]?.partnerId;
      if (a === b) same++;
    }

    // The same two ways with the rows read from MariaDB, as the engine does per assignment.
    const db = await stack.createDatabase(`nearest${scenarios.indexOf(s)}`);
    const { partnerIds } = await seedDelivery(db.url, {
      partners: partners.map((p, i) => ({
        userId: `u${i}`,
        name: p.id,
        capacity: p.capacity,
        load: p.load,
        rating: p.rating,
        available: p.available,
        homePostalCode: undefined,
        radiusKm: p.radiusKm,
        serviceAreas: [...p.serviceAreas],
        workingHours: p.workingHours,
      })),
    });
    // seedDelivery locates homes by postal code; set the exact homes used above.
    const orm = await createDeliveryOrm(db.url);
    const em = orm.em.fork();
    for (let i = 0; i < partners.length; i += 500) {
      const chunk = partners.slice(i, i + 500);
      await em.getConnection().execute(
        `UPDATE delivery_partners SET home_lat = CASE id ${chunk.map(() => 'WHEN ? THEN ?').join(' ')} END,
           home_lng = CASE id ${chunk.map(() => 'WHEN ? THEN ?').join(' ')} END
         WHERE id IN (${chunk.map(() => '?').join(',')})`,
        [
          ...chunk.flatMap((p, j) => [partnerIds[i + j], p.home.latitude]),
          ...chunk.flatMap((p, j) => [partnerIds[i + j], p.home.longitude]),
          ...chunk.map((_, j) => partnerIds[i + j]),
        ],
      );
    }
    const repo = new DeliveryRepository();
    const cache = new CandidateIndexCache(repo);
    // Per assignment: read every partner, rank, lock the eligible ones and rank again (before);
    // fingerprint, read the index's candidates, rank, lock the eligible ones, rank (the engine now).
    const dbRequests = requests.slice(0, DB_REQUESTS);
    const t0 = performance.now();
    for (const r of dbRequests) {
      const req = { postalCode: r.code, destination: r.at, units: 1 };
      await em.transactional(async (tx) => {
        const first = rankCandidates(await repo.partners(tx), req, now);
        rankCandidates(
          await repo.lockPartners(
            tx,
            first.candidates.map((c) => c.partnerId),
          ),
          req,
          now,
        );
      });
    }
    const allRowsMs = performance.now() - t0;
    const t1 = performance.now();
    for (const r of dbRequests) {
      const req = { postalCode: r.code, destination: r.at, units: 1 };
      await em.transactional(async (tx) => {
        const index = await cache.current(tx); // the fingerprint query, a rebuild the first time
        const nearby = index.candidates(r.code, r.at);
        const first = rankCandidates(await repo.partnersByIds(tx, nearby), req, now);
        rankCandidates(
          await repo.lockPartners(
            tx,
            first.candidates.map((c) => c.partnerId),
          ),
          req,
          now,
        );
      });
    }
    const indexedRowsMs = performance.now() - t1;
    await orm.close(true);

    console.log(
      `| ${s.name} | ${buildMs.toFixed(1)} ms | ${partners.length} / ${(considered / requests.length).toFixed(1)} | ${perOp(scanMs, requests.length)} | ${perOp(indexMs, requests.length)} | ${perOp(allRowsMs, dbRequests.length)} | ${perOp(indexedRowsMs, dbRequests.length)} | ${same}/${requests.length} |`,
    );
  }
} finally {
  await stack.cleanup();
}
