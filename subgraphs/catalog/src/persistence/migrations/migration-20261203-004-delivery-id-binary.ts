import { Migration } from '@mikro-orm/migrations';

/**
 * Delivery ids compare exactly, as the supplier gave them: under the default collation `D-1` and
 * `d-1` (or `e` and `e `) were one key, and the second delivery was dropped as already recorded.
 * And a replenishment never books more than it ordered (goods inward caps a delivery at what is
 * outstanding; the rest is booked by hand).
 */
export class Migration20261203004DeliveryIdBinary extends Migration {
  override name = 'Migration20261203004DeliveryIdBinary';

  override up(): void {
    this.addSql(`alter table goods_receipt
      modify delivery_id varchar(128) character set utf8mb4 collate utf8mb4_bin not null`);
    this.addSql(`alter table replenishment
      add constraint replenishment_received check (received <= ordered)`);
  }

  override down(): void {
    this.addSql('alter table replenishment drop constraint replenishment_received');
    this.addSql(`alter table goods_receipt
      modify delivery_id varchar(128) character set utf8mb4 not null`);
  }
}
