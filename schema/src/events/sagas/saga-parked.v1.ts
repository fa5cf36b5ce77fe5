import { z } from 'zod';
import { defineContract } from '../envelope.js';

/**
 * A saga was parked as NEEDS_ATTENTION: a pivot or compensation went unanswered or was refused
 * past its retries, and a person must look (DESIGN 9). Published on `sagas.events` by the
 * orchestrator in the transaction that parks the saga, keyed by the saga id; owning services
 * mirror it onto their aggregate (orders flags the order for the admins' query). A late reply
 * that resumes the saga publishes nothing new; the saga's own later events tell the outcome.
 */
export const sagaParkedDataV1 = z.object({
  sagaId: z.string().min(1),
  sagaType: z.string().min(1),
  /** The aggregate the saga acts on, as its definition names it (an order id); null if none. */
  subject: z.string().min(1).nullable(),
  stepName: z.string().min(1),
  reason: z.string().min(1).max(2000),
});

/** `sagas.saga-parked` version 1. */
export const sagaParkedV1 = defineContract('sagas.saga-parked', 1, sagaParkedDataV1);
export type SagaParkedV1 = z.infer<typeof sagaParkedDataV1>;
