import { Migration } from '@mikro-orm/migrations';

/**
 * Each partner's feed: its own gapless sequence over the changes that concern it (assigned to it,
 * moved by it, taken from it), so `myAssignments(after)` can resume at an exact position.
 */
export class Migration20261201004PartnerFeed extends Migration {
  override name = 'Migration20261201004PartnerFeed';

  override up(): void {
    this.addSql('alter table delivery_partners add column feed_sequence int not null default 0');
    this.addSql(`create table partner_feed (
      partner_id varchar(36) not null,
      sequence int not null,
      shipment_id varchar(36) not null,
      shipment_sequence int not null,
      primary key (partner_id, sequence)
    ) default character set utf8mb4 engine = InnoDB`);
  }

  override down(): void {
    this.addSql('drop table if exists partner_feed');
    this.addSql('alter table delivery_partners drop column feed_sequence');
  }
}
