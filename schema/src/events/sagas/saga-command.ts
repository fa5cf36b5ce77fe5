import { z } from 'zod';
import { defineContract, envelopeSchema, type Contract } from '../envelope.js';

/** The part of every saga command that identifies the saga, the step and the attempt. */
export const sagaCommandMetaSchema = z.object({
  sagaId: z.string().min(1),
  sagaType: z.string().min(1),
  /** Zero-based index of the step in the saga definition. */
  step: z.number().int().nonnegative(),
  stepName: z.string().min(1),
  action: z.enum(['execute', 'compensate']),
  /** 1 for the first send; a resend after a timeout increments it. */
  attempt: z.number().int().positive(),
  /** The topic the participant replies to. */
  replyTo: z.string().min(1),
});
export type SagaCommandMeta = z.infer<typeof sagaCommandMetaSchema>;

/** The longest envelope id (and so saga command id) the envelope accepts. */
export const MESSAGE_ID_MAX_LENGTH: number = envelopeSchema.shape.id.maxLength ?? 64;

/**
 * The envelope id of one saga command: `<saga id>:<step>:<action>:<attempt>`. Unique per attempt,
 * so a resend is a new message (an idempotent consumer lets it through) while a redelivery of one
 * attempt is not.
 */
export const sagaCommandId = (
  meta: Pick<SagaCommandMeta, 'sagaId' | 'step' | 'action' | 'attempt'>,
): string => `${meta.sagaId}:${meta.step}:${meta.action}:${meta.attempt}`;

/** A saga command's data: the saga metadata plus the command's own payload. */
export const sagaCommandData = <P extends z.ZodType>(payload: P) =>
  z.object({ saga: sagaCommandMetaSchema, payload });

export type SagaCommandContract<
  TType extends string = string,
  TVersion extends number = number,
  P extends z.ZodType = z.ZodType,
> = Contract<TType, TVersion, ReturnType<typeof sagaCommandData<P>>> & { readonly payload: P };

/** Declares a saga command contract from its payload schema. */
export function defineSagaCommand<
  const TType extends string,
  const TVersion extends number,
  P extends z.ZodType,
>(type: TType, version: TVersion, payload: P): SagaCommandContract<TType, TVersion, P> {
  return Object.freeze({ ...defineContract(type, version, sagaCommandData(payload)), payload });
}
