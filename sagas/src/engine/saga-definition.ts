import type { Contract, EnvelopeOf, SagaCommandContract } from '@shop/schema';
import type { z } from 'zod';
import type { SagaHistoryEntry } from './saga-state.js';

/** What a command's payload may read of its saga besides the data (e.g. to word a failure). */
export interface SagaView {
  readonly id: string;
  /** Why the saga is compensating (the refusal or timeout that started it); null while running. */
  readonly failureReason: string | null;
  readonly history: readonly SagaHistoryEntry[];
}

/** A command a step sends: its contract and how to build its payload from the saga data. */
export interface StepCommand<D> {
  readonly contract: SagaCommandContract;
  readonly payload: (data: D, saga: SagaView) => unknown;
}

/**
 * The event that starts a saga: the orchestrator consumes `topic` (in its own consumer group, the
 * inbox making a redelivery harmless) and starts the saga in the transaction that records the
 * event. `start` names the saga id after the event's aggregate, so the same event published twice
 * still starts one saga (starting an existing id changes nothing); it returns null for an event
 * that starts nothing.
 */
export interface SagaTrigger<D, C extends Contract = Contract> {
  readonly topic: string;
  readonly contract: C;
  readonly start: (event: EnvelopeOf<C>) => { readonly id: string; readonly data: D } | null;
}

/** Declares a trigger with the event's type inferred from its contract. */
export const triggeredBy = <D, C extends Contract>(
  topic: string,
  contract: C,
  start: SagaTrigger<D, C>['start'],
): SagaTrigger<D, C> => ({ topic, contract, start });

/**
 * The event by which an operator asks to retry a parked saga (an admin mutation of the owning
 * service writes it through its outbox): the orchestrator consumes `topic` with the triggers and
 * resends the parked saga's outstanding command once, as a new attempt. `target` names the saga
 * and who asked (for its history), or null for an event that retries nothing. A saga that is not
 * parked ignores it.
 */
export interface SagaRetryTrigger<C extends Contract = Contract> {
  readonly topic: string;
  readonly contract: C;
  readonly target: (
    event: EnvelopeOf<C>,
  ) => { readonly sagaId: string; readonly requestedBy: string } | null;
}

/** Declares a retry trigger with the event's type inferred from its contract. */
export const retriedBy = <C extends Contract>(
  topic: string,
  contract: C,
  target: SagaRetryTrigger<C>['target'],
): SagaRetryTrigger<C> => ({ topic, contract, target });

/** How often a command is (re)sent before the engine gives up on it. */
export interface StepRetryPolicy {
  /**
   * Sends of one command, including the first. When the last goes unanswered a compensable step
   * is compensated, a pivot or a compensation parks the saga. @default 3
   */
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
  /**
   * Omitted for a step that cannot be undone: the pivot (e.g. confirm the order and commit the
   * stock) and any step after it. Such a step is never stepped over: without a reply it is resent
   * up to `retry.maxAttempts`, then the saga is parked as NEEDS_ATTENTION (a late answer still
   * resumes it), so its participant must make it idempotent. A step with nothing to undo before
   * the pivot still declares a compensation (a no-op on the participant side).
   */
  readonly compensate?: StepCommand<D>;
  /**
   * Whether the step runs, asked (pure, on the saga data as it stands) when the saga reaches it:
   * false skips it (recorded as `skipped`, nothing sent) and, since it never ran, its
   * compensation is skipped too. For optional steps (a coupon the order does not have, a second
   * delivery that is not outstanding). The first pivot, the point of no return, cannot have one;
   * the steps after it may. @default always runs
   */
  readonly when?: (data: D) => boolean;
  /** How long one attempt waits for a reply. */
  readonly timeoutMs: number;
  readonly retry?: Partial<StepRetryPolicy>;
}

/** A saga: ordered steps over typed data; each step's reply `result` is merged into the data. */
export interface SagaDefinition<D extends Record<string, unknown> = Record<string, unknown>> {
  readonly type: string;
  readonly data: z.ZodType<D>;
  readonly steps: readonly SagaStep<D>[];
  /** The event that starts it; without one, sagas of this type start only through `startSaga`. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly trigger?: SagaTrigger<D, any>;
  /** The event that retries a parked saga of this type; without one, none is retried by event. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly retry?: SagaRetryTrigger<any>;
  /**
   * The aggregate the saga acts on (an order id), named in the `sagas.saga-parked` event so the
   * owning service can flag it; without one the event's `subject` is null.
   */
  readonly subject?: (data: D) => string;
}

export const DEFAULT_STEP_RETRY: StepRetryPolicy = Object.freeze({
  maxAttempts: 3,
  backoffMs: 500,
});

/** A step without compensation: the pivot or a step after it, which cannot be undone. */
export const isPivot = <D>(step: SagaStep<D>): boolean => step.compensate === undefined;

/**
 * Declares a saga (checks the step table once, at start-up): at least one step, unique names, and
 * the steps that cannot be undone form a suffix (the pivot and the retriable steps after it), so
 * compensating backwards from a failed step never has to step over a step it cannot undo.
 */
export function defineSaga<D extends Record<string, unknown>>(
  definition: SagaDefinition<D>,
): SagaDefinition<D> {
  if (definition.steps.length === 0) throw new Error(`saga ${definition.type} has no steps`);
  const names = new Set(definition.steps.map((s) => s.name));
  if (names.size !== definition.steps.length)
    throw new Error(`saga ${definition.type} has duplicate step names`);
  const pivot = definition.steps.findIndex(isPivot);
  const undoable = definition.steps.findLastIndex((s) => !isPivot(s));
  if (pivot !== -1 && undoable > pivot)
    throw new Error(
      `saga ${definition.type}: step ${definition.steps[undoable]!.name} has a compensation but comes after step ${definition.steps[pivot]!.name}, which has none (the pivot); steps after the pivot cannot be undone`,
    );
  for (const [index, step] of definition.steps.entries()) {
    if (step.when !== undefined && index === pivot)
      throw new Error(
        `saga ${definition.type}: step ${step.name} is the pivot and cannot be skipped`,
      );
    const { maxAttempts, backoffMs } = stepRetry(step);
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || backoffMs < 0)
      throw new Error(`saga ${definition.type}: step ${step.name} has a bad retry policy`);
  }
  return Object.freeze(definition);
}

export const stepRetry = <D>(step: SagaStep<D>): StepRetryPolicy => ({
  ...DEFAULT_STEP_RETRY,
  ...step.retry,
});
