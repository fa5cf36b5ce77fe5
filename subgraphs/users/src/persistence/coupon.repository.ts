import type { EntityManager } from '@mikro-orm/core';
import { sqlRows, sqlRun } from '@shop/messaging';
import type { CouponDiscount, CouponState, CouponStatus } from '../domain/coupon.js';

/** Where a coupon came from. */
export type CouponSource = 'WELCOME' | 'ADMIN';

export interface CouponRow extends CouponState {
  readonly id: string;
  readonly code: string;
  readonly source: CouponSource;
  readonly redeemedAt: Date | null;
  readonly revokedAt: Date | null;
  readonly revokeReason: string | null;
  readonly createdAt: Date;
}

interface RawCoupon {
  id: string;
  code: string;
  user_id: string;
  discount_kind: 'PERCENT' | 'AMOUNT';
  percent_off: number | null;
  amount_off_cents: number | string | null;
  currency: string | null;
  min_order_cents: number | string;
  expires_at: Date | string;
  status: CouponStatus;
  source: CouponSource;
  redeemed_order_id: string | null;
  redeemed_at: Date | string | null;
  revoked_at: Date | string | null;
  revoke_reason: string | null;
  created_at: Date | string;
}

/** A DATETIME read through raw SQL: the connection is UTC (openServiceOrm), the driver may hand a string. */
export const utcDate = (v: Date | string): Date =>
  v instanceof Date ? v : new Date(`${v.replace(' ', 'T')}Z`);
const utcOrNull = (v: Date | string | null): Date | null => (v === null ? null : utcDate(v));

const toCoupon = (r: RawCoupon): CouponRow => ({
  id: r.id,
  code: r.code,
  userId: r.user_id,
  discount:
    r.discount_kind === 'PERCENT'
      ? { kind: 'PERCENT', percentOff: Number(r.percent_off) }
      : { kind: 'AMOUNT', amountOffCents: Number(r.amount_off_cents), currency: r.currency ?? '' },
  minOrderCents: Number(r.min_order_cents),
  expiresAt: utcDate(r.expires_at),
  status: r.status,
  source: r.source,
  redeemedOrderId: r.redeemed_order_id,
  redeemedAt: utcOrNull(r.redeemed_at),
  revokedAt: utcOrNull(r.revoked_at),
  revokeReason: r.revoke_reason,
  createdAt: utcDate(r.created_at),
});

export interface NewCoupon {
  readonly code: string;
  readonly userId: string;
  readonly discount: CouponDiscount;
  readonly minOrderCents: number;
  readonly expiresAt: Date;
  readonly source: CouponSource;
}

/** SQL of the coupons table; no rules here. */
export class CouponRepository {
  async insert(em: EntityManager, c: NewCoupon): Promise<string> {
    const id = crypto.randomUUID();
    await sqlRun(
      em,
      `INSERT INTO coupons (id, code, user_id, discount_kind, percent_off, amount_off_cents, currency,
         min_order_cents, expires_at, status, source, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'ACTIVE', ?, ?)`,
      [
        id,
        c.code,
        c.userId,
        c.discount.kind,
        c.discount.kind === 'PERCENT' ? c.discount.percentOff : null,
        c.discount.kind === 'AMOUNT' ? c.discount.amountOffCents : null,
        c.discount.kind === 'AMOUNT' ? c.discount.currency : null,
        c.minOrderCents,
        c.expiresAt,
        c.source,
        new Date(),
      ],
    );
    return id;
  }

  async byCode(em: EntityManager, code: string): Promise<CouponRow | undefined> {
    const [row] = await sqlRows<RawCoupon>(em, 'SELECT * FROM coupons WHERE code = ?', [code]);
    return row === undefined ? undefined : toCoupon(row);
  }

  async byId(em: EntityManager, id: string): Promise<CouponRow | undefined> {
    const [row] = await sqlRows<RawCoupon>(em, 'SELECT * FROM coupons WHERE id = ?', [id]);
    return row === undefined ? undefined : toCoupon(row);
  }

  async ofUser(
    em: EntityManager,
    userId: string,
    filter: { source?: CouponSource; statuses?: readonly CouponStatus[] } = {},
  ): Promise<CouponRow[]> {
    const where = ['user_id = ?'];
    const params: unknown[] = [userId];
    if (filter.source !== undefined) {
      where.push('source = ?');
      params.push(filter.source);
    }
    if (filter.statuses !== undefined && filter.statuses.length > 0) {
      where.push(`status IN (${filter.statuses.map(() => '?').join(', ')})`);
      params.push(...filter.statuses);
    }
    const rows = await sqlRows<RawCoupon>(
      em,
      `SELECT * FROM coupons WHERE ${where.join(' AND ')} ORDER BY created_at, code`,
      params,
    );
    return rows.map(toCoupon);
  }

  async redeemedBy(em: EntityManager, orderId: string): Promise<CouponRow | undefined> {
    const [row] = await sqlRows<RawCoupon>(
      em,
      "SELECT * FROM coupons WHERE redeemed_order_id = ? AND status = 'REDEEMED'",
      [orderId],
    );
    return row === undefined ? undefined : toCoupon(row);
  }

  /**
   * ACTIVE → REDEEMED by the order, only if still ACTIVE: of any number of concurrent redemptions
   * one UPDATE matches the row and the others find it REDEEMED (InnoDB re-reads the row after the
   * winner's commit), so a coupon is redeemed at most once. Returns whether this call won.
   */
  async redeem(em: EntityManager, id: string, orderId: string, now: Date): Promise<boolean> {
    const r = await sqlRun(
      em,
      `UPDATE coupons SET status = 'REDEEMED', redeemed_order_id = ?, redeemed_at = ?
       WHERE id = ? AND status = 'ACTIVE' AND expires_at > ?`,
      [orderId, now, id, now],
    );
    return r.affectedRows === 1;
  }

  /** REDEEMED by this order → ACTIVE again; false when the order holds none (already given back). */
  async unredeem(em: EntityManager, orderId: string): Promise<boolean> {
    const r = await sqlRun(
      em,
      `UPDATE coupons SET status = 'ACTIVE', redeemed_order_id = NULL, redeemed_at = NULL
       WHERE redeemed_order_id = ? AND status = 'REDEEMED'`,
      [orderId],
    );
    return r.affectedRows > 0;
  }

  /** ACTIVE → REVOKED for the given coupons; returns how many changed. */
  async revoke(
    em: EntityManager,
    ids: readonly string[],
    reason: string,
    now: Date,
  ): Promise<number> {
    if (ids.length === 0) return 0;
    const r = await sqlRun(
      em,
      `UPDATE coupons SET status = 'REVOKED', revoked_at = ?, revoke_reason = ?
       WHERE id IN (${ids.map(() => '?').join(', ')}) AND status = 'ACTIVE'`,
      [now, reason.slice(0, 500), ...ids],
    );
    return r.affectedRows;
  }
}
