import type {
  Delivery,
  PlaceOrderAnswer,
  PurchaseOrderRequest,
  SupplierOrder,
  SupplierPort,
} from '../service/supplier-port.js';

/**
 * The simulator's scenarios, chosen by the product's supplier name (any other name delivers the
 * whole order one lead time after it was placed):
 * - `sim-partial`: 60% after the lead time, the rest after twice the lead time;
 * - `sim-refuses`: refuses every order;
 * - `sim-unreachable`: never answers (the caller's deadline fires);
 * - `sim-flaky`: the first call of each idempotency key is unavailable, the next succeeds.
 */
export const SIMULATED_SUPPLIERS = {
  partial: 'sim-partial',
  refuses: 'sim-refuses',
  unreachable: 'sim-unreachable',
  flaky: 'sim-flaky',
} as const;

/** Share of a `sim-partial` order in its first delivery. */
const FIRST_SHARE = 0.6;

export interface SimulatedSupplierOptions {
  /** From an order's placement to its (first) delivery. */
  readonly leadTimeMs: number;
  /** @default Date.now */
  readonly now?: () => number;
}

/**
 * A deterministic supplier for development and tests. It keeps no books: an order's deliveries
 * follow from what catalog stores of it (placement time, quantity, supplier) and the lead time,
 * so they survive a catalog restart, and two catalog replicas see the same deliveries with the
 * same ids. What it remembers in memory (the first answer per idempotency key, the call counts)
 * only makes a repeated placement answer alike and lets tests count calls.
 */
export class SimulatedSupplier implements SupplierPort {
  private readonly now: () => number;
  private readonly placed = new Map<string, PlaceOrderAnswer & { ok: true }>();
  private readonly calls = new Map<string, number>();

  constructor(private readonly options: SimulatedSupplierOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Calls of `placeOrder` with this idempotency key so far, in this process. */
  callsOf(idempotencyKey: string): number {
    return this.calls.get(idempotencyKey) ?? 0;
  }

  async placeOrder(request: PurchaseOrderRequest, signal: AbortSignal): Promise<PlaceOrderAnswer> {
    const key = request.idempotencyKey;
    const call = this.callsOf(key) + 1;
    this.calls.set(key, call);
    switch (request.supplier) {
      case SIMULATED_SUPPLIERS.refuses:
        return {
          ok: false,
          refusal: 'refused',
          message: `supplier ${request.supplier} refused the order: item discontinued`,
        };
      case SIMULATED_SUPPLIERS.unreachable:
        return hang(signal);
      case SIMULATED_SUPPLIERS.flaky:
        if (call === 1)
          return {
            ok: false,
            refusal: 'unavailable',
            message: `supplier ${request.supplier} is temporarily unavailable`,
          };
        break;
      default:
        break;
    }
    const answer = this.placed.get(key) ?? {
      ok: true,
      supplierOrderId: `sim-po-${key}`,
      placedAt: new Date(this.now()),
    };
    this.placed.set(key, answer);
    return answer;
  }

  async deliveries(order: SupplierOrder, signal: AbortSignal): Promise<Delivery[]> {
    signal.throwIfAborted();
    const now = this.now();
    return simulatedDeliveries(order, this.options.leadTimeMs).filter(
      (d) => d.arrivedAt.getTime() <= now,
    );
  }
}

/** Every delivery the simulator will make of `order`, arrived or not, in arrival order. */
export function simulatedDeliveries(order: SupplierOrder, leadTimeMs: number): Delivery[] {
  const at = (leads: number): Date => new Date(order.placedAt.getTime() + leads * leadTimeMs);
  const delivery = (n: number, quantity: number, leads: number): Delivery => ({
    deliveryId: `${order.supplierOrderId}/${n}`,
    quantity,
    arrivedAt: at(leads),
  });
  if (order.supplier !== SIMULATED_SUPPLIERS.partial || order.quantity < 2)
    return [delivery(1, order.quantity, 1)];
  const first = Math.max(1, Math.floor(order.quantity * FIRST_SHARE));
  return [delivery(1, first, 1), delivery(2, order.quantity - first, 2)];
}

/** Never answers: rejects with the signal's reason once the caller's deadline fires. */
function hang(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason as Error);
    else signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
  });
}
