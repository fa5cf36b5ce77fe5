import { z } from 'zod';
import { defineContract } from '../envelope.js';

export const sagaStepReplyDataV1 = z.object({
  sagaId: z.string().min(1),
  sagaType: z.string().min(1),
  step: z.number().int().nonnegative(),
  action: z.enum(['execute', 'compensate']),
  /**
   * The attempt of the command this answers, echoed from its `saga.attempt`: the orchestrator
   * counts a compensation's refusal only against the attempt it answers.
   */
  attempt: z.number().int().positive(),
  /** `failed` is a business refusal (no effect happened); the orchestrator compensates. */
  outcome: z.enum(['succeeded', 'failed']),
  reason: z.string().optional(),
  /** Values the step adds to the saga data for later steps. */
  result: z.record(z.string(), z.unknown()).optional(),
});

/** A participant's answer to one saga command, version 1. */
export const sagaStepReplyV1 = defineContract('sagas.step-reply', 1, sagaStepReplyDataV1);
export type SagaStepReplyV1 = z.infer<typeof sagaStepReplyDataV1>;
