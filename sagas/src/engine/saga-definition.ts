import type { SagaCommandContract } from '@shop/schema';
import type { z } from 'zod';

/** A command a step sends: its contract and how to build its payload from the saga data. */
export interface StepCommand<D> {
  readonly contract: SagaCommandContract;
  readonly payload: (data: D) => unknown;
}

/** How often a command is (re)sent before the engine gives up on it. */
export interface StepRetryPolicy {
  /** Sends of one command, including the first, before a timeout counts as failure. @default 3 */
  readonly maxAttempts: number;
  /** Wait before resending a compensation the participant refused. @default 500 */
  readonly backoffMs: number;
}

/** One step: a command to a participant, its compensation, its timeout and retry policy. */
export interface SagaStep<D> {
  readonly name: string;
  /** The participant's name; commands go to `sagas.commands.<participant>`. */
  readonly participant: string;
  readonly execute: StepCommand<D>;
  /** Omitted for a step with nothing to undo (e.g. the last, pivot step). */
  readonly compensate?: StepCommand<D>;
  /** How long one attempt waits for a reply. */
  readonly timeoutMs: number;
  readonly retry?: Partial<StepRetryPolicy>;
}

/** A saga: ordered steps over typed data; each step's reply `result` is merged into the data. */
export interface SagaDefinition<D extends Record<string, unknown> = Record<string, unknown>> {
  readonly type: string;
  readonly data: z.ZodType<D>;
  readonly steps: readonly SagaStep<D>[];
}

export const DEFAULT_STEP_RETRY: StepRetryPolicy = Object.freeze({
  maxAttempts: 3,
  backoffMs: 500,
});

/** Declares a saga (checks the step table once, at start-up). */
export function defineSaga<D extends Record<string, unknown>>(
  definition: SagaDefinition<D>,
): SagaDefinition<D> {
  if (definition.steps.length === 0) throw new Error(`saga ${definition.type} has no steps`);
  const names = new Set(definition.steps.map((s) => s.name));
  if (names.size !== definition.steps.length)
    throw new Error(`saga ${definition.type} has duplicate step names`);
  return Object.freeze(definition);
}

export const stepRetry = <D>(step: SagaStep<D>): StepRetryPolicy => ({
  ...DEFAULT_STEP_RETRY,
  ...step.retry,
});
