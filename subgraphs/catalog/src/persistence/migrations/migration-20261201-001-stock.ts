import { Migration } from '@mikro-orm/migrations';
import { MESSAGING_TABLES_DDL } from '@shop/messaging';

/** Stock, reservations and the messaging tables (outbox, inbox, saga participant log). */
export class Migration20261201001Stock extends Migration {
  override name = 'Migration20261201001Stock';

  override up(): void {
    // Ids are ASCII (the domain's patterns) with binary collation: case-sensitive like the
    // product ids in MongoDB, and sorted by the database as the service sorts them (lock order).
    // The CHECKs are a last line of defence: the service's conditional UPDATEs never attempt a
    // change that breaks them, and a bug that did would fail loudly instead of overselling.
    this.addSql(`create table stock (
      product_id varchar(64) character set ascii collate ascii_bin not null primary key,
      on_hand int not null default 0,
      reserved int not null default 0,
      low_stock_threshold int not null default 0,
      updated_at datetime(3) not null default current_timestamp(3),
      constraint stock_reserved_within_on_hand check (reserved >= 0 and reserved <= on_hand),
      constraint stock_threshold_not_negative check (low_stock_threshold >= 0)
    ) default character set utf8mb4 engine = InnoDB`);
    this.addSql(`create table stock_reservation (
      order_id varchar(64) character set ascii collate ascii_bin not null primary key,
      status varchar(16) not null,
      created_at datetime(3) not null default current_timestamp(3),
      updated_at datetime(3) not null default current_timestamp(3),
      constraint stock_reservation_status check (status in ('held', 'committed', 'released'))
    ) default character set utf8mb4 engine = InnoDB`);
    this.addSql(`create table stock_reservation_line (
      order_id varchar(64) character set ascii collate ascii_bin not null,
      product_id varchar(64) character set ascii collate ascii_bin not null,
      quantity int not null,
      primary key (order_id, product_id),
      constraint stock_reservation_line_positive check (quantity > 0)
    ) default character set utf8mb4 engine = InnoDB`);
    for (const sql of MESSAGING_TABLES_DDL) this.addSql(sql);
  }

  override down(): void {
    this.addSql('drop table if exists stock_reservation_line');
    this.addSql('drop table if exists stock_reservation');
    this.addSql('drop table if exists stock');
  }
}
