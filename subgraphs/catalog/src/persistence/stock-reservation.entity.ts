import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { ReservationStatus } from '../domain/reservation.js';

/** An order's reservation: one row per order id, which makes reserving idempotent by order. */
export const StockReservationEntity = defineEntity({
  name: 'StockReservationEntity',
  tableName: 'stock_reservation',
  properties: {
    orderId: p.string().length(64).primary(),
    status: p.string().length(16).$type<ReservationStatus>(),
    createdAt: p.datetime(3),
    updatedAt: p.datetime(3),
  },
});
export type StockReservationRecord = InferEntity<typeof StockReservationEntity>;

/** The units of one product an order's reservation holds. */
export const StockReservationLineEntity = defineEntity({
  name: 'StockReservationLineEntity',
  tableName: 'stock_reservation_line',
  properties: {
    orderId: p.string().length(64).primary(),
    productId: p.string().length(64).primary(),
    quantity: p.integer(),
  },
});
export type StockReservationLineRecord = InferEntity<typeof StockReservationLineEntity>;
