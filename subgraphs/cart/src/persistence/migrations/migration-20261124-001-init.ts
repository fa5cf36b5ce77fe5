import { Migration } from '@mikro-orm/migrations';

export class Migration20261124001Init extends Migration {
  override name = 'Migration20261124001Init';

  override up(): void {
    this.addSql(`create table carts (
      id varchar(36) not null primary key,
      user_id varchar(36) not null,
      \`lines\` json not null,
      updated_at datetime(3) not null,
      unique key carts_user_id_unique (user_id)
    ) default character set utf8mb4 engine = InnoDB`);
  }

  override down(): void {
    this.addSql('drop table if exists carts');
  }
}
