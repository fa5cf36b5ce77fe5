import { Migration } from '@mikro-orm/migrations';

export class Migration20261124001Init extends Migration {
  override name = 'Migration20261124001Init';

  override up(): void {
    this.addSql(`create table delivery_partners (
      id varchar(36) not null primary key,
      user_id varchar(36) not null,
      name varchar(200) not null,
      created_at datetime(3) not null,
      unique key delivery_partners_user_id_unique (user_id)
    ) default character set utf8mb4 engine = InnoDB`);
    this.addSql(`create table shipments (
      id varchar(36) not null primary key,
      order_id varchar(36) not null,
      customer_id varchar(36) not null,
      partner_id varchar(36) null,
      partner_user_id varchar(36) null,
      status varchar(20) not null,
      tracking_code varchar(40) not null,
      created_at datetime(3) not null,
      unique key shipments_order_id_unique (order_id),
      key shipments_customer_id_index (customer_id),
      key shipments_partner_id_index (partner_id)
    ) default character set utf8mb4 engine = InnoDB`);
  }

  override down(): void {
    this.addSql('drop table if exists shipments');
    this.addSql('drop table if exists delivery_partners');
  }
}
