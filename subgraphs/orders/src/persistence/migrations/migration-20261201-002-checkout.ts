import { Migration } from '@mikro-orm/migrations';
import { MESSAGING_TABLES_DDL } from '@shop/messaging';

/**
 * Checkout: what placement records on the order (number, idempotency key and input fingerprint,
 * contact and address snapshots, totals), the status history, payments, the simulated payment
 * provider's own ledger, and the messaging tables (outbox, inbox, saga participant log).
 */
export class Migration20261201002Checkout extends Migration {
  override name = 'Migration20261201002Checkout';

  override up(): void {
    // Orders made before placement existed (seeds) keep NULL keys: the unique key only binds
    // orders that have one.
    this.addSql(`alter table orders
      modify column user_id varchar(64) not null,
      add column order_number varchar(32) null,
      add column idempotency_key varchar(200) null,
      add column input_fingerprint char(64) null,
      add column currency char(3) not null default 'USD',
      add column subtotal_cents int not null default 0,
      add column discount_cents int not null default 0,
      add column shipping_cents int not null default 0,
      add column customer json null,
      add column shipping_address json null,
      add column failure_reason varchar(2000) null,
      add column needs_attention varchar(2000) null,
      add column updated_at datetime(3) not null default current_timestamp(3),
      add unique key orders_order_number_unique (order_number),
      add unique key orders_user_idempotency_key_unique (user_id, idempotency_key),
      add key orders_status_created_at_index (status, created_at),
      add key orders_needs_attention_index (needs_attention(1))`);
    this.addSql('update orders set subtotal_cents = total_cents');
    this.addSql(`create table order_status_history (
      id bigint unsigned not null auto_increment primary key,
      order_id varchar(36) not null,
      from_status varchar(20) null,
      to_status varchar(20) not null,
      reason varchar(2000) null,
      at datetime(3) not null default current_timestamp(3),
      key order_status_history_order_index (order_id, id)
    ) default character set utf8mb4 engine = InnoDB`);
    // One payment per order. The card itself is never stored: the provider's token, brand and
    // last four digits are what capture and the customer's receipt need.
    this.addSql(`create table payments (
      order_id varchar(36) not null primary key,
      status varchar(16) not null,
      amount_cents int not null,
      currency char(3) not null,
      card_token varchar(100) not null,
      card_brand varchar(20) not null,
      card_last4 char(4) not null,
      authorization_ref varchar(64) null,
      capture_ref varchar(64) null,
      refund_ref varchar(64) null,
      captured_cents int not null default 0,
      refunded_cents int not null default 0,
      failure_code varchar(32) null,
      failure_reason varchar(500) null,
      created_at datetime(3) not null default current_timestamp(3),
      updated_at datetime(3) not null default current_timestamp(3)
    ) default character set utf8mb4 engine = InnoDB`);
    // The simulated provider's own books, one row per idempotency key, as a real provider keeps
    // them on its side: a retried call with the same key answers from here and charges nothing
    // new. Tests count charges and refunds in it.
    this.addSql(`create table simulated_provider_charge (
      idempotency_key varchar(200) not null primary key,
      kind varchar(16) not null,
      reference varchar(64) not null,
      related_reference varchar(64) null,
      card_token varchar(100) null,
      amount_cents int not null,
      outcome varchar(32) not null,
      reason varchar(200) null,
      calls int not null default 1,
      created_at datetime(3) not null default current_timestamp(3),
      updated_at datetime(3) not null default current_timestamp(3)
    ) default character set utf8mb4 engine = InnoDB`);
    for (const sql of MESSAGING_TABLES_DDL) this.addSql(sql);
  }

  override down(): void {
    this.addSql('drop table if exists simulated_provider_charge');
    this.addSql('drop table if exists payments');
    this.addSql('drop table if exists order_status_history');
    this.addSql(`alter table orders
      drop index orders_order_number_unique, drop index orders_user_idempotency_key_unique,
      drop index orders_status_created_at_index, drop index orders_needs_attention_index,
      drop column order_number, drop column idempotency_key, drop column input_fingerprint,
      drop column currency, drop column subtotal_cents, drop column discount_cents,
      drop column shipping_cents, drop column customer, drop column shipping_address,
      drop column failure_reason, drop column needs_attention, drop column updated_at`);
  }
}
