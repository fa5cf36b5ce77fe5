import { Migration } from '@mikro-orm/migrations';

/**
 * Replenishments (the inventory replenishment saga's purchase orders), the goods received for
 * them, and each product's supplier.
 */
export class Migration20261203002Replenishment extends Migration {
  override name = 'Migration20261203002Replenishment';

  override up(): void {
    this.addSql(`alter table stock
      add column supplier varchar(64) character set ascii collate ascii_bin not null default 'default'`);
    // `open_product_id` is the product id while the replenishment is open and NULL once closed: its
    // unique index is the database's guarantee of at most one open replenishment per product
    // (NULLs do not collide, so closed ones pile up freely).
    this.addSql(`create table replenishment (
      id char(36) character set ascii collate ascii_bin not null primary key,
      product_id varchar(64) character set ascii collate ascii_bin not null,
      supplier varchar(64) character set ascii collate ascii_bin not null,
      status varchar(20) not null,
      ordered int not null,
      received int not null default 0,
      stocked int not null default 0,
      supplier_order_id varchar(128) null,
      placed_at datetime(3) null,
      awaiting_saga_id varchar(128) null,
      awaiting_step int null,
      attention text null,
      attention_step varchar(64) null,
      open_product_id varchar(64) character set ascii collate ascii_bin null,
      created_at datetime(3) not null default current_timestamp(3),
      updated_at datetime(3) not null default current_timestamp(3),
      unique key replenishment_open_product (open_product_id),
      key replenishment_product (product_id, created_at),
      key replenishment_created (created_at),
      constraint replenishment_status check (status in
        ('ORDERING', 'ORDERED', 'PARTIALLY_RECEIVED', 'RECEIVED', 'SHORT_CLOSED')),
      constraint replenishment_units check (ordered > 0 and received >= 0 and stocked >= 0
        and stocked <= received),
      constraint replenishment_open check (open_product_id is null or open_product_id = product_id)
    ) default character set utf8mb4 engine = InnoDB`);
    // One row per supplier delivery: its primary key records a delivery once, even when two
    // catalog replicas poll the supplier and race to record it.
    this.addSql(`create table goods_receipt (
      replenishment_id char(36) character set ascii collate ascii_bin not null,
      delivery_id varchar(128) not null,
      quantity int not null,
      received_at datetime(3) not null,
      stocked_at datetime(3) null,
      primary key (replenishment_id, delivery_id),
      constraint goods_receipt_positive check (quantity > 0)
    ) default character set utf8mb4 engine = InnoDB`);
  }

  override down(): void {
    this.addSql('drop table if exists goods_receipt');
    this.addSql('drop table if exists replenishment');
    this.addSql('alter table stock drop column supplier');
  }
}
