import { Migration } from '@mikro-orm/migrations';
import { MESSAGING_TABLES_DDL } from '@shop/messaging';

/**
 * Store credit (an account row per user, the lock and running head of an append-only ledger),
 * coupons, and the messaging tables (outbox for users.events, inbox and saga participant log).
 * The CHECKs are a last line of defence: the service never attempts to break them, and a bug that
 * did would fail loudly instead of leaving a negative balance.
 */
export class Migration20261201002CreditAndCoupons extends Migration {
  override name = 'Migration20261201002CreditAndCoupons';

  override up(): void {
    this.addSql(`create table credit_accounts (
      user_id varchar(36) not null primary key,
      currency char(3) not null,
      balance_cents bigint not null,
      last_seq int not null,
      updated_at datetime(3) not null,
      constraint credit_accounts_balance_not_negative check (balance_cents >= 0)
    ) default character set utf8mb4 engine = InnoDB`);
    this.addSql(`create table credit_ledger_entries (
      user_id varchar(36) not null,
      seq int not null,
      kind varchar(16) not null,
      amount_cents bigint not null,
      balance_after_cents bigint not null,
      currency char(3) not null,
      reason varchar(500) not null,
      idempotency_key varchar(120) not null,
      order_id varchar(40) null,
      created_at datetime(3) not null,
      primary key (user_id, seq),
      unique key credit_ledger_entries_idempotency_key_unique (idempotency_key),
      key credit_ledger_entries_order_id_index (order_id),
      constraint credit_ledger_entries_balance_not_negative check (balance_after_cents >= 0)
    ) default character set utf8mb4 engine = InnoDB`);
    this.addSql(`create table coupons (
      id varchar(36) not null primary key,
      code varchar(64) not null,
      user_id varchar(36) not null,
      discount_kind varchar(8) not null,
      percent_off int null,
      amount_off_cents bigint null,
      currency char(3) null,
      min_order_cents bigint not null,
      expires_at datetime(3) not null,
      status varchar(10) not null,
      source varchar(10) not null,
      redeemed_order_id varchar(40) null,
      redeemed_at datetime(3) null,
      revoked_at datetime(3) null,
      revoke_reason varchar(500) null,
      created_at datetime(3) not null,
      unique key coupons_code_unique (code),
      key coupons_user_id_index (user_id, status),
      key coupons_redeemed_order_id_index (redeemed_order_id)
    ) default character set utf8mb4 engine = InnoDB`);
    for (const sql of MESSAGING_TABLES_DDL) this.addSql(sql);
  }

  override down(): void {
    this.addSql('drop table if exists coupons');
    this.addSql('drop table if exists credit_ledger_entries');
    this.addSql('drop table if exists credit_accounts');
  }
}
