import { Migration } from '@mikro-orm/migrations';

/** Guest carts (no user) and the version column of conditional updates. */
export class Migration20261201002GuestVersion extends Migration {
  override name = 'Migration20261201002GuestVersion';

  override up(): void {
    this.addSql('alter table carts modify user_id varchar(36) null');
    this.addSql('alter table carts add column version int not null default 0 after `lines`');
  }

  override down(): void {
    this.addSql('delete from carts where user_id is null');
    this.addSql('alter table carts drop column version');
    this.addSql('alter table carts modify user_id varchar(36) not null');
  }
}
