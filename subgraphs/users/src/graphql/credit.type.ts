import { Field, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { CREDIT_ENTRY_KINDS, type CreditEntryKind } from '../domain/credit-ledger.js';
import type { CreditEntryRow } from '../persistence/credit-ledger.repository.js';
import type { CreditBalance } from '../service/credit.service.js';

export const CreditEntryKindType = Object.fromEntries(CREDIT_ENTRY_KINDS.map((k) => [k, k])) as {
  [K in CreditEntryKind]: K;
};
registerEnumType(CreditEntryKindType, {
  name: 'CreditEntryKind',
  description: 'GRANT and GIVE_BACK add credit; REVOKE and DEBIT take it.',
});

@ObjectType('CreditEntry', { description: 'One entry of the append-only credit ledger.' })
export class CreditEntryType {
  @Field(() => Int, { description: 'Position in the user’s ledger, from 1.' })
  seq!: number;

  @Field(() => CreditEntryKindType)
  kind!: CreditEntryKind;

  @Field(() => Int, { description: 'Signed, in minor units: positive adds, negative takes.' })
  amountCents!: number;

  @Field(() => Int, { description: 'The balance after this entry (never negative).' })
  balanceAfterCents!: number;

  @Field()
  currency!: string;

  @Field()
  reason!: string;

  @Field(() => String, { nullable: true })
  orderId!: string | null;

  @Field()
  createdAt!: Date;

  static from(e: CreditEntryRow): CreditEntryType {
    return Object.assign(new CreditEntryType(), {
      seq: e.seq,
      kind: e.kind,
      amountCents: e.amountCents,
      balanceAfterCents: e.balanceAfterCents,
      currency: e.currency,
      reason: e.reason,
      orderId: e.orderId,
      createdAt: e.createdAt,
    });
  }
}

@ObjectType('CreditAccount', { description: 'Store credit: the ledger’s running balance.' })
export class CreditAccountType {
  @Field(() => Int, { description: 'In minor units of `currency`; never negative.' })
  balanceCents!: number;

  @Field({ description: 'ISO 4217.' })
  currency!: string;

  /** Whose account (for the `entries` resolver). */
  userId!: string;

  static from(userId: string, b: CreditBalance): CreditAccountType {
    return Object.assign(new CreditAccountType(), { userId, ...b });
  }
}

@InputType('CreditAdjustmentInput')
export class CreditAdjustmentInput {
  @Field()
  userId!: string;

  @Field(() => Int, { description: 'Positive, in minor units of the ledger’s currency.' })
  amountCents!: number;

  @Field({ description: 'Recorded in the ledger (1 to 500 characters).' })
  reason!: string;
}
