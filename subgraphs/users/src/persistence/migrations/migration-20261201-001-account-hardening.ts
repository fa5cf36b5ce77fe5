import { Migration } from '@mikro-orm/migrations';

/**
 * Refresh-token families get their start time (for the absolute lifetime; existing families start
 * at their oldest token still stored) and an index for pruning; signing keys can be revoked.
 * Private keys are sealed by the service at start, not here: the KEK is configuration.
 */
export class Migration20261201001AccountHardening extends Migration {
  override name = 'Migration20261201001AccountHardening';

  override up(): void {
    this.addSql(`alter table refresh_tokens add column family_created_at datetime(3) null`);
    this.addSql(`update refresh_tokens r
      join (select family_id, min(created_at) started from refresh_tokens group by family_id) f
        on f.family_id = r.family_id
      set r.family_created_at = f.started`);
    this.addSql(`alter table refresh_tokens modify family_created_at datetime(3) not null`);
    this.addSql(`create index refresh_tokens_expires_at_index on refresh_tokens (expires_at)`);
    this.addSql(
      `create index refresh_tokens_family_created_at_index on refresh_tokens (family_created_at)`,
    );
    this.addSql(`alter table signing_keys add column revoked_at datetime(3) null`);
  }

  override down(): void {
    this.addSql('alter table signing_keys drop column revoked_at');
    this.addSql('drop index refresh_tokens_family_created_at_index on refresh_tokens');
    this.addSql('drop index refresh_tokens_expires_at_index on refresh_tokens');
    this.addSql('alter table refresh_tokens drop column family_created_at');
  }
}
