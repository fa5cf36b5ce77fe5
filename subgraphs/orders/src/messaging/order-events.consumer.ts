import type { EntityManager, MikroORM } from '@mikro-orm/core';
import { IdempotentConsumer, type KafkaBus } from '@shop/messaging';
import { assertNever, type Logger } from '@shop/platform';
import { sagaParkedV1, shipmentChangedV1, type ShipmentChangedV1 } from '@shop/schema';
import type { OrderRepository } from '../persistence/order.repository.js';
import type { LifecycleDetail, OrderLifecycle } from '../service/order-lifecycle.service.js';

/** The shipment changes that move an order; the others are delivery's own business. */
function lifecycleOf(change: ShipmentChangedV1['change']): LifecycleDetail | undefined {
  switch (change) {
    case 'picked-up':
      return { event: 'ship' };
    case 'delivered':
      return { event: 'deliver' };
    case 'assigned':
    case 'declined':
    case 'timed-out':
    case 'accepted':
    case 'in-transit':
    case 'failed':
    case 'cancelled':
      return undefined;
    default:
      return assertNever(change);
  }
}

export interface OrderEventsConsumerOptions {
  readonly bus: KafkaBus;
  readonly orm: MikroORM;
  readonly logger: Logger;
  readonly groupId: string;
  readonly deliveryEventsTopic: string;
  readonly sagaEventsTopic: string;
  readonly lifecycle: OrderLifecycle;
  readonly repo: OrderRepository;
}

/**
 * Events orders follows (idempotent by message id, in the inbox's transaction):
 * - `delivery.shipment-changed@1`: picked up → SHIPPED, delivered → DELIVERED. A change the order
 *   cannot take (e.g. a late event for a cancelled order) is logged and skipped, not retried.
 * - `sagas.saga-parked@1`: the saga's reason is mirrored onto its order (`needsAttention`), which
 *   the admins' `ordersByStatus(needsAttention: true)` lists.
 */
export function orderEventsConsumer(o: OrderEventsConsumerOptions) {
  const handleShipment = async (em: EntityManager, d: ShipmentChangedV1) => {
    const detail = lifecycleOf(d.change);
    if (detail === undefined) return;
    const r = await o.lifecycle.apply(em, d.orderId, detail);
    if (r.kind === 'illegal' || r.kind === 'missing')
      o.logger.warn(
        { orderId: d.orderId, change: d.change, verdict: r.kind },
        'shipment change not applied to the order',
      );
  };
  return new IdempotentConsumer({
    bus: o.bus,
    orm: o.orm,
    logger: o.logger,
    groupId: o.groupId,
    topics: [o.deliveryEventsTopic, o.sagaEventsTopic],
    contracts: [shipmentChangedV1, sagaParkedV1],
    // Both topics carry other event types; only these concern orders.
    skipOtherTypes: true,
    handle: async ({ contract, envelope }, { em }) => {
      switch (contract.name) {
        case 'delivery.shipment-changed@1':
          return handleShipment(em, envelope.data as ShipmentChangedV1);
        case 'sagas.saga-parked@1': {
          const d = sagaParkedV1.schema.parse(envelope.data);
          if (d.subject === null) return;
          const note = `${d.sagaType} saga ${d.sagaId} parked at ${d.stepName}: ${d.reason}`;
          if (!(await o.repo.flagAttention(em, d.subject, note.slice(0, 2000))))
            o.logger.warn({ sagaId: d.sagaId, subject: d.subject }, 'parked saga names no order');
          else o.logger.error({ sagaId: d.sagaId, orderId: d.subject }, 'order needs attention');
          return;
        }
        default:
          return assertNever(contract);
      }
    },
  });
}
