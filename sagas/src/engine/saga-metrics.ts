import { Counter, Histogram, type Registry } from 'prom-client';
import type { SagaDefinition } from './saga-definition.js';
import type { SagaOrchestrator } from './saga-orchestrator.js';
import { TERMINAL_STATUSES } from './saga-state.js';

/**
 * Registers the saga metrics of DESIGN 11 and feeds them from the orchestrator's listeners:
 *
 * - `saga_finished_total{saga_type, status}`: sagas that reached COMPLETED, FAILED or
 *   NEEDS_ATTENTION;
 * - `saga_duration_seconds{saga_type, status}`: start to terminal status;
 * - `saga_step_commands_total{saga_type, step, action}`: step commands written, resends included.
 *
 * Each instance counts the transitions it committed, so the sum over instances is the cluster's.
 * Every series of the given sagas starts at 0, so `rate()` and `increase()` see the first saga.
 */
export function registerSagaMetrics(
  registry: Registry,
  orchestrator: SagaOrchestrator,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  sagas: readonly SagaDefinition<any>[],
): void {
  const finished = new Counter({
    name: 'saga_finished_total',
    help: 'Sagas that reached a terminal status, by saga type and status',
    labelNames: ['saga_type', 'status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'saga_duration_seconds',
    help: 'Time from the start of a saga to its terminal status, by saga type and status',
    labelNames: ['saga_type', 'status'],
    // A saga takes milliseconds when every step answers; timeouts, resends and compensations
    // stretch it to the step timeouts times the attempts.
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    registers: [registry],
  });
  const commands = new Counter({
    name: 'saga_step_commands_total',
    help: 'Saga step commands written to the outbox (resends included), by saga type, step and action',
    labelNames: ['saga_type', 'step', 'action'],
    registers: [registry],
  });
  for (const saga of sagas) {
    for (const status of TERMINAL_STATUSES) {
      finished.inc({ saga_type: saga.type, status }, 0);
      duration.zero({ saga_type: saga.type, status });
    }
    for (const step of saga.steps) {
      commands.inc({ saga_type: saga.type, step: step.name, action: 'execute' }, 0);
      if (step.compensate !== undefined)
        commands.inc({ saga_type: saga.type, step: step.name, action: 'compensate' }, 0);
    }
  }
  orchestrator.onFinished((f) => {
    finished.inc({ saga_type: f.type, status: f.status });
    duration.observe({ saga_type: f.type, status: f.status }, f.durationMs / 1000);
  });
  orchestrator.onCommandSent((c) => {
    commands.inc({ saga_type: c.type, step: c.stepName, action: c.action });
  });
}
