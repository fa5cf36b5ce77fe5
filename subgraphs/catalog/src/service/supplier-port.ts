/**
 * The supplier port (DESIGN 9): where catalog orders a product's stock and learns what arrived.
 * Every order carries an idempotency key (the replenishment id), so an order placed again after a
 * crash, a timeout or a resent command is one order at the supplier. A real supplier's API plugs
 * in behind this interface; `SimulatedSupplier` is the development and test one. Every call gets
 * the caller's deadline as an AbortSignal and must give up when it fires.
 */
export interface SupplierPort {
  placeOrder(request: PurchaseOrderRequest, signal: AbortSignal): Promise<PlaceOrderAnswer>;
  /** Every delivery of the order that has arrived so far (a delivery id is never reused). */
  deliveries(order: SupplierOrder, signal: AbortSignal): Promise<Delivery[]>;
}

export interface PurchaseOrderRequest {
  readonly idempotencyKey: string;
  readonly supplier: string;
  readonly productId: string;
  readonly quantity: number;
}

export interface PlacedOrder {
  readonly supplierOrderId: string;
  readonly placedAt: Date;
}

/** `refused`: the supplier said no (final); `unavailable`: worth another try with the same key. */
export type SupplierRefusal = 'refused' | 'unavailable';

export type PlaceOrderAnswer =
  | ({ readonly ok: true } & PlacedOrder)
  | { readonly ok: false; readonly refusal: SupplierRefusal; readonly message: string };

/** A placed order, as catalog keeps it. */
export interface SupplierOrder extends PlacedOrder {
  readonly supplier: string;
  readonly productId: string;
  readonly quantity: number;
}

export interface Delivery {
  readonly deliveryId: string;
  readonly quantity: number;
  readonly arrivedAt: Date;
}
