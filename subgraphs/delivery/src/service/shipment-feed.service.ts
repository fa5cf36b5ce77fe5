import type { EntityManager } from '@mikro-orm/mysql';
import { sqlRows } from '@shop/messaging';
import { BadUserInputError, NotFoundError, UnauthenticatedError } from '@shop/platform';
import { accessDenied, isSelfOrAdmin, type Identity } from '@shop/subgraph-kit';
import type { Position, ShipmentStatus } from '../domain/shipment.js';

/** One change as a subscriber sees it, with the cursor to resume after it. */
export interface ShipmentUpdate {
  readonly cursor: string;
  readonly shipmentId: string;
  readonly orderId: string;
  readonly sequence: number;
  readonly change: string;
  readonly status: ShipmentStatus;
  readonly previousStatus: ShipmentStatus | null;
  readonly position: Position | null;
  readonly reason: string | null;
  readonly at: Date;
}

/**
 * Cursors: `o.<n>` is the n-th change of an order's shipment (its gapless `sequence`), `p.<n>` the
 * n-th entry of a partner's feed. Both are positions in delivery's own tables, so they survive any
 * gateway restart, and both grow in commit order, so "after n" never skips a late commit.
 */
const CURSOR = /^([op])\.(\d{1,9})$/;

function parseCursor(kind: 'o' | 'p', cursor: string | null | undefined): number {
  if (cursor === null || cursor === undefined) return 0;
  const m = CURSOR.exec(cursor);
  if (m === null || m[1] !== kind)
    throw new BadUserInputError(
      `after: not a cursor of this subscription (${cursor.slice(0, 40)})`,
    );
  return Number(m[2]);
}

interface RawUpdate {
  shipment_id: string;
  order_id: string;
  sequence: number | string;
  feed_sequence?: number | string;
  change_kind: string;
  status: ShipmentStatus;
  previous_status: ShipmentStatus | null;
  lat: number | null;
  lng: number | null;
  reason: string | null;
  at: Date;
}

const toUpdate = (r: RawUpdate, cursor: string): ShipmentUpdate => ({
  cursor,
  shipmentId: r.shipment_id,
  orderId: r.order_id,
  sequence: Number(r.sequence),
  change: r.change_kind,
  status: r.status,
  previousStatus: r.previous_status ?? null,
  position: r.lat == null || r.lng == null ? null : { latitude: r.lat, longitude: r.lng },
  reason: r.reason ?? null,
  at: r.at,
});

const UPDATE_COLUMNS = `t.shipment_id, s.order_id, t.sequence, t.change_kind, t.status,
  prev.status AS previous_status, t.lat, t.lng, t.reason, t.at`;

/**
 * The logs behind the subscriptions: what an order's owner or a partner has missed after a
 * cursor, oldest first. The gateway reads them to replay a gap and to resolve each live event
 * (the Kafka event only says "something changed"), so every delivery, replay or live, comes from
 * here, in order, exactly once per cursor. Who may read which log is decided here.
 */
export class ShipmentFeedService {
  constructor(private readonly em: EntityManager) {}

  /** The order's shipment changes after `after`; the order's customer and admins only. */
  async updatesOfOrder(
    identity: Identity,
    orderId: string,
    after: string | null | undefined,
    first: number,
  ): Promise<ShipmentUpdate[]> {
    const from = parseCursor('o', after);
    const em = this.em.fork();
    const [shipment] = await sqlRows<{ id: string; customer_id: string }>(
      em,
      'SELECT id, customer_id FROM shipments WHERE order_id = ?',
      [orderId],
    );
    // No shipment yet: nothing says whose order it is, so nobody learns whether it exists.
    if (shipment === undefined) {
      if (identity.userId === undefined) throw new UnauthenticatedError('sign in first');
      throw new NotFoundError(`no shipment for order ${orderId} yet`);
    }
    if (!isSelfOrAdmin(identity, shipment.customer_id))
      throw accessDenied(identity, 'this order’s shipment');
    const rows = await sqlRows<RawUpdate>(
      em,
      `SELECT ${UPDATE_COLUMNS} FROM shipment_tracking_events t
       JOIN shipments s ON s.id = t.shipment_id
       LEFT JOIN shipment_tracking_events prev
         ON prev.shipment_id = t.shipment_id AND prev.sequence = t.sequence - 1
       WHERE t.shipment_id = ? AND t.sequence > ? ORDER BY t.sequence LIMIT ?`,
      [shipment.id, from, first],
    );
    return rows.map((r) => toUpdate(r, `o.${Number(r.sequence)}`));
  }

  /** The cursor of the partner's latest feed entry (`p.0` before the first): where "live" starts. */
  async partnerFeedHead(identity: Identity): Promise<string> {
    if (identity.userId === undefined) throw new UnauthenticatedError('sign in first');
    const [partner] = await sqlRows<{ feed_sequence: number | string }>(
      this.em.fork(),
      'SELECT feed_sequence FROM delivery_partners WHERE user_id = ?',
      [identity.userId],
    );
    if (partner === undefined) throw new NotFoundError('no delivery partner profile for you');
    return `p.${Number(partner.feed_sequence)}`;
  }

  /** The signed-in partner's feed after `after`: assignments it got, moved or lost. */
  async updatesOfPartner(
    identity: Identity,
    after: string | null | undefined,
    first: number,
  ): Promise<ShipmentUpdate[]> {
    const from = parseCursor('p', after);
    if (identity.userId === undefined) throw new UnauthenticatedError('sign in first');
    const em = this.em.fork();
    const [partner] = await sqlRows<{ id: string }>(
      em,
      'SELECT id FROM delivery_partners WHERE user_id = ?',
      [identity.userId],
    );
    if (partner === undefined) throw new NotFoundError('no delivery partner profile for you');
    const rows = await sqlRows<RawUpdate>(
      em,
      `SELECT f.sequence AS feed_sequence, ${UPDATE_COLUMNS} FROM partner_feed f
       JOIN shipment_tracking_events t
         ON t.shipment_id = f.shipment_id AND t.sequence = f.shipment_sequence
       JOIN shipments s ON s.id = f.shipment_id
       LEFT JOIN shipment_tracking_events prev
         ON prev.shipment_id = t.shipment_id AND prev.sequence = t.sequence - 1
       WHERE f.partner_id = ? AND f.sequence > ? ORDER BY f.sequence LIMIT ?`,
      [partner.id, from, first],
    );
    return rows.map((r) => toUpdate(r, `p.${Number(r.feed_sequence)}`));
  }
}
