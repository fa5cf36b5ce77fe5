import type { WorkingHours } from './domain/assignment.js';
import { locatePostalCode } from './domain/geo.js';
import type { ShipmentStatus } from './domain/shipment.js';
import { DeliveryPartnerEntity } from './persistence/delivery-partner.entity.js';
import { createDeliveryOrm } from './persistence/orm.js';
import { ShipmentEntity } from './persistence/shipment.entity.js';

/** Around the clock, every day: partners seeded for tests work whenever the test runs. */
export const ALWAYS: WorkingHours = {
  days: [0, 1, 2, 3, 4, 5, 6],
  from: '00:00',
  to: '00:00',
  timeZone: 'UTC',
};

export interface PartnerSeed {
  userId: string;
  name: string;
  capacity?: number;
  load?: number;
  rating?: number;
  available?: boolean;
  homePostalCode?: string;
  radiusKm?: number;
  serviceAreas?: string[];
  workingHours?: WorkingHours;
}

export interface DeliverySeed {
  readonly partners?: readonly PartnerSeed[];
  /** `partnerIndex` points into `partners` of the same call. */
  readonly shipments?: readonly {
    orderId: string;
    customerId: string;
    partnerIndex?: number;
    status?: ShipmentStatus;
    units?: number;
    postalCode?: string;
  }[];
}

/** Test and demo data: writes partners and shipments straight into the delivery database. */
export async function seedDelivery(
  mysqlUrl: string,
  seed: DeliverySeed,
): Promise<{ partnerIds: string[]; shipmentIds: string[] }> {
  const orm = await createDeliveryOrm(mysqlUrl);
  try {
    const em = orm.em.fork();
    const now = new Date();
    const partners = (seed.partners ?? []).map((p) => {
      const homePostalCode = p.homePostalCode ?? '10001';
      const home = locatePostalCode(homePostalCode);
      if (home === undefined) throw new Error(`unknown postal code ${homePostalCode}`);
      return em.create(DeliveryPartnerEntity, {
        id: crypto.randomUUID(),
        userId: p.userId,
        name: p.name,
        contact: '',
        capacity: p.capacity ?? 10,
        currentLoad: p.load ?? 0,
        rating: p.rating ?? 5,
        available: p.available ?? true,
        homePostalCode,
        homeLat: home.latitude,
        homeLng: home.longitude,
        radiusKm: p.radiusKm ?? 0,
        serviceAreas: p.serviceAreas ?? [homePostalCode.slice(0, 3)],
        workingHours: p.workingHours ?? ALWAYS,
        createdAt: now,
        updatedAt: now,
      });
    });
    const shipments = (seed.shipments ?? []).map((s) => {
      const partner = s.partnerIndex === undefined ? undefined : partners[s.partnerIndex];
      return em.create(ShipmentEntity, {
        id: crypto.randomUUID(),
        orderId: s.orderId,
        customerId: s.customerId,
        partnerId: partner?.id ?? null,
        partnerUserId: partner?.userId ?? null,
        status: s.status ?? (partner === undefined ? 'PENDING' : 'ASSIGNED'),
        trackingCode: `TRK-${crypto.randomUUID().slice(0, 8).toUpperCase()}`,
        units: s.units ?? 1,
        postalCode: s.postalCode ?? '10001',
        sequence: 0,
        createdAt: now,
        updatedAt: now,
      });
    });
    await em.flush();
    return { partnerIds: partners.map((p) => p.id), shipmentIds: shipments.map((s) => s.id) };
  } finally {
    await orm.close(true);
  }
}
