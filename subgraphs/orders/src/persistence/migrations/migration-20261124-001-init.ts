import { Migration } from '@mikro-orm/migrations';

export class Migration20261124001Init extends Migration {
  override name = 'Migration20261124001Init';

  override up(): void {
    this.addSql(`create table orders (
      id varchar(36) not null primary key,
      user_id varchar(36) not null,
      status varchar(20) not null,
      total_cents int not null,
      \`lines\` json not null,
      created_at datetime(3) not null,
      key orders_user_id_index (user_id, created_at)
    ) default character set utf8mb4 engine = InnoDB`);
  }

  override down(): void {
    this.addSql('drop table if exists orders');
  }
}
