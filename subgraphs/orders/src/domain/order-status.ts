/**
 * The order's lifecycle. PENDING → CONFIRMED → SHIPPED → DELIVERED is the happy path; PENDING →
 * FAILED ends a place-order saga that could not finish; CONFIRMED → CANCELLING → CANCELLED is the
 * cancel-order saga (CANCELLING holds the order while stock, payment and shipment are undone).
 */
export const ORDER_STATUSES = [
  'PENDING',
  'CONFIRMED',
  'SHIPPED',
  'DELIVERED',
  'FAILED',
  'CANCELLING',
  'CANCELLED',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** What happens to an order; each is one transition of the state machine below. */
export const ORDER_EVENTS = [
  'confirm',
  'fail',
  'ship',
  'deliver',
  'request-cancel',
  'complete-cancel',
] as const;
export type OrderEvent = (typeof ORDER_EVENTS)[number];

/** The verdict on one event: move, nothing to do (a repeat, or the order already went past), or refuse. */
export type Transition =
  | { readonly kind: 'move'; readonly from: OrderStatus; readonly to: OrderStatus }
  | { readonly kind: 'noop'; readonly status: OrderStatus }
  | { readonly kind: 'illegal'; readonly status: OrderStatus; readonly message: string };

interface Rule {
  readonly from: OrderStatus;
  readonly to: OrderStatus;
  /**
   * States in which the event already took effect (the order is at `to` or went past it): a
   * redelivered command or event answers like the first and changes nothing.
   */
  readonly done: readonly OrderStatus[];
  /** Why the event is refused in any other state, in words for the caller. */
  readonly refusal: string;
}

/** The whole state machine, in one table. */
const RULES: Readonly<Record<OrderEvent, Rule>> = {
  confirm: {
    from: 'PENDING',
    to: 'CONFIRMED',
    done: ['CONFIRMED', 'SHIPPED', 'DELIVERED', 'CANCELLING', 'CANCELLED'],
    refusal: 'only a pending order can be confirmed',
  },
  fail: {
    from: 'PENDING',
    to: 'FAILED',
    done: ['FAILED'],
    refusal: 'only a pending order can fail',
  },
  ship: {
    from: 'CONFIRMED',
    to: 'SHIPPED',
    done: ['SHIPPED', 'DELIVERED'],
    refusal: 'only a confirmed order can be shipped',
  },
  deliver: {
    from: 'SHIPPED',
    to: 'DELIVERED',
    done: ['DELIVERED'],
    refusal: 'only a shipped order can be delivered',
  },
  'request-cancel': {
    from: 'CONFIRMED',
    to: 'CANCELLING',
    done: ['CANCELLING', 'CANCELLED'],
    refusal: 'only a confirmed order that has not shipped can be cancelled',
  },
  'complete-cancel': {
    from: 'CANCELLING',
    to: 'CANCELLED',
    done: ['CANCELLED'],
    refusal: 'only an order being cancelled can complete its cancellation',
  },
};

/** The state machine: what `event` does to an order in `status`. Pure and total. */
export function transition(status: OrderStatus, event: OrderEvent): Transition {
  const rule = RULES[event];
  if (status === rule.from) return { kind: 'move', from: status, to: rule.to };
  if (rule.done.includes(status)) return { kind: 'noop', status };
  return { kind: 'illegal', status, message: `${rule.refusal} (the order is ${status})` };
}

/** The statuses an order can reach from `status` (for documentation and tests). */
export const nextStatuses = (status: OrderStatus): OrderStatus[] =>
  Object.values(RULES)
    .filter((r) => r.from === status)
    .map((r) => r.to);

/** An order in one of these will not change any more. */
export const isFinal = (status: OrderStatus): boolean => nextStatuses(status).length === 0;
