import type { ShipmentStatus } from './domain/shipment.js';
import { DeliveryPartnerEntity } from './persistence/delivery-partner.entity.js';
import { createDeliveryOrm } from './persistence/orm.js';
import { ShipmentEntity } from './persistence/shipment.entity.js';

export interface DeliverySeed {
  readonly partners?: readonly { userId: string; name: string }[];
  /** `partnerIndex` points into `partners` of the same call. */
  readonly shipments?: readonly {
    orderId: string;
    customerId: string;
    partnerIndex?: number;
    status?: ShipmentStatus;
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
    const partners = (seed.partners ?? []).map((p) =>
      em.create(DeliveryPartnerEntity, {
        id: crypto.randomUUID(),
        userId: p.userId,
        name: p.name,
        createdAt: new Date(),
      }),
    );
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
        createdAt: new Date(),
      });
    });
    await em.flush();
    return { partnerIds: partners.map((p) => p.id), shipmentIds: shipments.map((s) => s.id) };
  } finally {
    await orm.close(true);
  }
}
