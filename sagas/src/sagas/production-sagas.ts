import type { SagaDefinition } from '../engine/saga-definition.js';
import { cancelOrderSaga } from './cancel-order.saga.js';
import { placeOrderSaga } from './place-order.saga.js';

/**
 * The sagas the orchestrator process runs, one file per saga beside this one (STYLE 11). The demo
 * saga lives in test support (test/demo/).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const PRODUCTION_SAGAS: readonly SagaDefinition<any>[] = [
  placeOrderSaga(),
  cancelOrderSaga(),
];
