// The saga orchestrator process, with the production sagas (the wiring is orchestrator-process.ts).
import { loadConfig } from '@shop/platform';
import { sagasConfigSchema } from './config.js';
import { runOrchestratorProcess } from './orchestrator-process.js';
import { PRODUCTION_SAGAS } from './sagas/production-sagas.js';

await runOrchestratorProcess(loadConfig(sagasConfigSchema, process.env), {
  sagas: PRODUCTION_SAGAS,
});
