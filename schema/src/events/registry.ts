import type { z } from 'zod';
import { envelopeSchema, type Contract, type Envelope, type RawEnvelope } from './envelope.js';

/** Why a message could not be decoded; such messages go to the DLQ, never to a guess. */
export class ContractViolation extends Error {
  constructor(
    readonly reason: 'malformed-envelope' | 'unknown-contract' | 'invalid-data',
    message: string,
  ) {
    super(message);
    this.name = 'ContractViolation';
  }
}

/** A contract-typed, validated envelope, discriminated by `type` for a closed dispatch. */
export type DecodedOf<C extends Contract> = C extends Contract
  ? { readonly contract: C; readonly envelope: Envelope<C['type'], z.infer<C['schema']>> }
  : never;

/** The contracts one consumer understands, keyed by `type@version`. */
export class ContractRegistry<C extends Contract = Contract> {
  private readonly byName = new Map<string, C>();

  constructor(contracts: readonly C[]) {
    for (const c of contracts) {
      if (this.byName.has(c.name)) throw new Error(`duplicate contract ${c.name}`);
      this.byName.set(c.name, c);
    }
  }

  /** Parses raw JSON (or an object) into an envelope of a known contract, or throws ContractViolation. */
  decode(raw: unknown): DecodedOf<C> {
    let value: unknown = raw;
    if (typeof raw === 'string' || Buffer.isBuffer(raw)) {
      try {
        value = JSON.parse(raw.toString());
      } catch {
        throw new ContractViolation('malformed-envelope', 'message is not JSON');
      }
    }
    const parsed = envelopeSchema.safeParse(value);
    if (!parsed.success)
      throw new ContractViolation('malformed-envelope', `bad envelope: ${parsed.error.message}`);
    return this.decodeEnvelope(parsed.data);
  }

  decodeEnvelope(envelope: RawEnvelope): DecodedOf<C> {
    const name = `${envelope.type}@${envelope.version}`;
    const contract = this.byName.get(name);
    if (contract === undefined)
      throw new ContractViolation('unknown-contract', `unknown contract ${name}`);
    const data = contract.schema.safeParse(envelope.data);
    if (!data.success)
      throw new ContractViolation('invalid-data', `invalid ${name} data: ${data.error.message}`);
    return { contract, envelope: { ...envelope, data: data.data } } as unknown as DecodedOf<C>;
  }
}
