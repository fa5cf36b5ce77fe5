import { z } from 'zod';

/** Envelope fields every event, command and reply carries on Kafka (DESIGN section 8). */
export const envelopeSchema = z.object({
  /** Unique message id (UUID); consumers deduplicate on it. */
  id: z.string().min(1).max(64),
  /** Contract name, e.g. `orders.order-placed`. */
  type: z.string().min(1).max(128),
  /** Contract version; a breaking change is a new version published beside the old one. */
  version: z.number().int().positive(),
  occurredAt: z.iso.datetime({ offset: true }),
  /** The producing service. */
  source: z.string().min(1).max(64),
  /** Partition key: the aggregate id (or the saga id for saga traffic). */
  key: z.string().min(1).max(255),
  correlationId: z.string().min(1).max(128),
  /** Id of the message that caused this one; null for a first message. */
  causationId: z.string().min(1).max(128).nullable(),
  data: z.unknown(),
});

/** An envelope with its payload still untyped. */
export type RawEnvelope = z.infer<typeof envelopeSchema>;

/** An envelope whose `data` has been validated against its contract. */
export type Envelope<TType extends string = string, TData = unknown> = Omit<
  RawEnvelope,
  'type' | 'data'
> & {
  readonly type: TType;
  readonly data: TData;
};

/** A versioned message definition: the `type`/`version` constants plus the zod schema of `data`. */
export interface Contract<
  TType extends string = string,
  TVersion extends number = number,
  TSchema extends z.ZodType = z.ZodType,
> {
  readonly type: TType;
  readonly version: TVersion;
  readonly schema: TSchema;
  /** The `type@version` dispatch key. */
  readonly name: `${TType}@${TVersion}`;
}

/** The payload type of a contract. */
export type DataOf<C extends Contract> = z.infer<C['schema']>;

/** The typed envelope of a contract. */
export type EnvelopeOf<C extends Contract> = Envelope<C['type'], DataOf<C>>;

/** Declares a contract. */
export function defineContract<
  const TType extends string,
  const TVersion extends number,
  TSchema extends z.ZodType,
>(type: TType, version: TVersion, schema: TSchema): Contract<TType, TVersion, TSchema> {
  return Object.freeze({ type, version, schema, name: `${type}@${version}` as const });
}

/** What a producer supplies; ids and timestamps default sensibly. */
export interface EnvelopeInit<TData> {
  readonly key: string;
  readonly source: string;
  readonly data: TData;
  readonly id?: string;
  readonly occurredAt?: Date;
  readonly correlationId?: string;
  readonly causationId?: string | null;
}

/**
 * Builds and validates an envelope for a contract. The payload is parsed by the contract's schema,
 * so a producer can never publish a message its consumers would reject.
 */
export function createEnvelope<C extends Contract>(
  contract: C,
  init: EnvelopeInit<DataOf<C>>,
): EnvelopeOf<C> {
  const id = init.id ?? crypto.randomUUID();
  const data = contract.schema.parse(init.data) as DataOf<C>;
  const envelope = envelopeSchema.parse({
    id,
    type: contract.type,
    version: contract.version,
    occurredAt: (init.occurredAt ?? new Date()).toISOString(),
    source: init.source,
    key: init.key,
    correlationId: init.correlationId ?? id,
    causationId: init.causationId ?? null,
    data,
  });
  return { ...envelope, type: contract.type, data };
}
