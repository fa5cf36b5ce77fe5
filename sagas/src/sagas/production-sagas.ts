import type { SagaDefinition } from '../engine/saga-definition.js';

/**
 * The sagas the orchestrator process runs, one file per saga beside this one (STYLE 11). Empty
 * until the place-order saga lands; the demo saga lives in test support (test/demo/).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const PRODUCTION_SAGAS: readonly SagaDefinition<any>[] = [];
