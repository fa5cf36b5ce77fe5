import { Migration } from '@mikro-orm/migrations';

/**
 * Coupons and store credit at checkout: the code and credit the customer asked for (part of the
 * placement's input) and the credit applied by the place-order saga (`discount_cents` exists).
 */
export class Migration20261202003Deductions extends Migration {
  override name = 'Migration20261202003Deductions';

  override up(): void {
    this.addSql(`alter table orders
      add column coupon_code varchar(64) null,
      add column credit_requested_cents int not null default 0,
      add column credit_cents int not null default 0`);
  }

  override down(): void {
    this.addSql(`alter table orders
      drop column coupon_code,
      drop column credit_requested_cents,
      drop column credit_cents`);
  }
}
