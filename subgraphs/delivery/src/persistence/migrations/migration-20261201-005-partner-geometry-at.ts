import { Migration } from '@mikro-orm/migrations';

/**
 * When a partner's home, radius or service areas last changed (or it was added): the candidate
 * index checks `MAX(geometry_at)` before each use to see whether it must be
 * rebuilt. Set by the database (the column default on insert, `CURRENT_TIMESTAMP(6)` in
 * `PartnerService.update`), not by a process clock; indexed so MAX is a lookup, not a scan.
 */
export class Migration20261201005PartnerGeometryAt extends Migration {
  override name = 'Migration20261201005PartnerGeometryAt';

  override up(): void {
    this.addSql(
      `alter table delivery_partners
         add column geometry_at datetime(6) not null default current_timestamp(6),
         add index delivery_partners_geometry_at_index (geometry_at)`,
    );
  }

  override down(): void {
    this.addSql('alter table delivery_partners drop index delivery_partners_geometry_at_index');
    this.addSql('alter table delivery_partners drop column geometry_at');
  }
}
