// The saga orchestrator process, with the production sagas (the wiring is orchestrator-process.ts).
import { loadConfig } from '@shop/platform';
import { sagasConfigSchema } from './config.js';
import { runOrchestratorProcess } from './orchestrator-process.js';
import { productionSagas } from './sagas/production-sagas.js';

const config = loadConfig(sagasConfigSchema, process.env);
await runOrchestratorProcess(config, {
  sagas: productionSagas({
    ordersEventsTopic: config.SAGAS_ORDERS_EVENTS_TOPIC,
    usersEventsTopic: config.SAGAS_USERS_EVENTS_TOPIC,
    bonusStepTimeoutMs: config.BONUS_STEP_TIMEOUT_MS,
    catalogEventsTopic: config.SAGAS_CATALOG_EVENTS_TOPIC,
    replenishReceiveTimeoutMs: config.REPLENISH_RECEIVE_TIMEOUT_MS,
  }),
});
