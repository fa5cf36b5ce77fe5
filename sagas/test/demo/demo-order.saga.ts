import {
  cancelShipmentV1,
  chargePaymentV1,
  refundPaymentV1,
  releaseItemsV1,
  reserveItemsV1,
  scheduleShipmentV1,
} from '@shop/schema';
import { z } from 'zod';
import { defineSaga } from '../../src/index.js';

export const DEMO_ORDER_SAGA = 'demo-order';
/** The demo saga with a pivot: ship has no compensation (as the place-order saga's last step). */
export const DEMO_ORDER_PIVOT_SAGA = 'demo-order-pivot';

/** The demo participants' names, for the saga's steps and the participants alike. */
export const DEMO_PARTICIPANT_NAMES = {
  inventory: 'demo-inventory',
  payment: 'demo-payment',
  shipping: 'demo-shipping',
} as const;

export const demoOrderData = z.object({
  sku: z.string().min(1),
  quantity: z.number().int().positive(),
  account: z.string().min(1),
  amountCents: z.number().int().positive(),
  address: z.string().min(1),
});
export type DemoOrderData = z.infer<typeof demoOrderData>;

export interface DemoOrderSagaOptions {
  /** Per-attempt reply timeout of every step. @default 5000 */
  readonly timeoutMs?: number;
  /** @default 3 */
  readonly maxAttempts?: number;
  /** Ship without its compensation: the pivot; the saga type is then `demo-order-pivot`. @default false */
  readonly pivotShip?: boolean;
}

/**
 * The demo saga with three participants, used by the engine's tests, the benchmark and the demo
 * process (test/demo/demo-main.ts); not part of the production orchestrator.
 *
 * | # | step     | participant    | command                 | compensation          |
 * |---|----------|----------------|-------------------------|-----------------------|
 * | 0 | reserve  | demo-inventory | demo.reserve-items@1    | demo.release-items@1  |
 * | 1 | charge   | demo-payment   | demo.charge-payment@1   | demo.refund-payment@1 |
 * | 2 | ship     | demo-shipping  | demo.schedule-shipment@1| demo.cancel-shipment@1|
 */
export function demoOrderSaga(options: DemoOrderSagaOptions = {}) {
  const timeoutMs = options.timeoutMs ?? 5000;
  const retry = { maxAttempts: options.maxAttempts ?? 3, backoffMs: 200 };
  return defineSaga<DemoOrderData>({
    type: options.pivotShip === true ? DEMO_ORDER_PIVOT_SAGA : DEMO_ORDER_SAGA,
    data: demoOrderData,
    steps: [
      {
        name: 'reserve',
        participant: DEMO_PARTICIPANT_NAMES.inventory,
        execute: {
          contract: reserveItemsV1,
          payload: (d) => ({ sku: d.sku, quantity: d.quantity }),
        },
        compensate: {
          contract: releaseItemsV1,
          payload: (d) => ({ sku: d.sku, quantity: d.quantity }),
        },
        timeoutMs,
        retry,
      },
      {
        name: 'charge',
        participant: DEMO_PARTICIPANT_NAMES.payment,
        execute: {
          contract: chargePaymentV1,
          payload: (d) => ({ account: d.account, amountCents: d.amountCents }),
        },
        compensate: {
          contract: refundPaymentV1,
          payload: (d) => ({ account: d.account, amountCents: d.amountCents }),
        },
        timeoutMs,
        retry,
      },
      {
        name: 'ship',
        participant: DEMO_PARTICIPANT_NAMES.shipping,
        execute: { contract: scheduleShipmentV1, payload: (d) => ({ address: d.address }) },
        ...(options.pivotShip === true
          ? {}
          : {
              compensate: { contract: cancelShipmentV1, payload: (d) => ({ address: d.address }) },
            }),
        timeoutMs,
        retry,
      },
    ],
  });
}
