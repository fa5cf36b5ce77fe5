import type { EntityManager } from '@mikro-orm/core';
import type { Outbox } from '@shop/messaging';
import { shipmentChangedV1, type ShipmentChangedV1 } from '@shop/schema';
import type { Position, ShipmentStatus } from '../domain/shipment.js';
import type { DeliveryRepository } from '../persistence/delivery.repository.js';

export type ShipmentChange = ShipmentChangedV1['change'];

/**
 * Records one change of a shipment, in the transaction of the change: a tracking event row and a
 * `delivery.shipment-changed` event in the outbox, both carrying the sequence number the change's
 * conditional UPDATE gave the row. Keyed by order id, so one shipment's events keep their order
 * on Kafka, and the sequence has no gaps: a subscription can resume after the last one it saw.
 */
export class ShipmentEventWriter {
  constructor(
    private readonly repo: DeliveryRepository,
    private readonly outbox: Outbox,
    private readonly topic: string,
  ) {}

  async record(
    em: EntityManager,
    shipmentId: string,
    change: ShipmentChange,
    extra: {
      at: Date;
      /** The status before the change (read under the same lock, before the UPDATE). */
      from: ShipmentStatus;
      previousPartner?: { id: string; userId: string | null } | null;
      position?: Position | null;
      reason?: string | null;
    },
  ): Promise<void> {
    // This transaction changed the row, so it holds its lock: the read waits on nobody.
    const s = await this.repo.lockedShipment(em, shipmentId);
    if (s === undefined) throw new Error(`shipment ${shipmentId} vanished`);
    const position = extra.position ?? null;
    const partnerName =
      s.partnerId === null ? undefined : await this.repo.partnerName(em, s.partnerId);
    const reason = extra.reason ?? null;
    await this.repo.addTrackingEvent(em, {
      shipmentId,
      sequence: s.sequence,
      change,
      status: s.status,
      partnerId: s.partnerId ?? extra.previousPartner?.id ?? null,
      position,
      reason,
      at: extra.at,
    });
    // The partners this change concerns, each in its own feed (myAssignments), in id order like
    // every other multi-partner lock.
    const previousPartnerId = extra.previousPartner?.id ?? null;
    const concerned = [
      ...new Set([s.partnerId, previousPartnerId].filter((id): id is string => id !== null)),
    ].sort();
    const feed = new Map<string, number>();
    for (const partnerId of concerned)
      feed.set(partnerId, await this.repo.appendPartnerFeed(em, partnerId, shipmentId, s.sequence));
    await this.outbox.add(em, shipmentChangedV1, {
      topic: this.topic,
      key: s.orderId,
      data: {
        shipmentId,
        orderId: s.orderId,
        customerId: s.customerId,
        sequence: s.sequence,
        change,
        status: s.status,
        partnerId: s.partnerId,
        partnerUserId: s.partnerUserId,
        ...(partnerName === undefined ? {} : { partnerName }),
        previousStatus: extra.from,
        previousPartnerId: extra.previousPartner?.id ?? null,
        previousPartnerUserId: extra.previousPartner?.userId ?? null,
        ...(s.partnerId === null ? {} : { partnerFeedSequence: feed.get(s.partnerId) }),
        ...(previousPartnerId === null
          ? {}
          : { previousPartnerFeedSequence: feed.get(previousPartnerId) }),
        position,
        reason,
        trackingCode: s.trackingCode,
        at: extra.at.toISOString(),
      },
    });
  }
}
