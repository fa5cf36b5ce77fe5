import type { SagasConfig } from '../config.js';
import type { SagaDefinition } from '../engine/saga-definition.js';
import { registrationBonusSaga } from './registration-bonus.saga.js';

/**
 * The sagas the orchestrator process runs, one file per saga beside this one (STYLE 11); built
 * from the process's settings (topics, step timeouts). The demo saga lives in test support
 * (test/demo/).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const productionSagas = (config: SagasConfig): readonly SagaDefinition<any>[] => [
  registrationBonusSaga({
    usersEventsTopic: config.SAGAS_USERS_EVENTS_TOPIC,
    timeoutMs: config.BONUS_STEP_TIMEOUT_MS,
  }),
];
