import { Migration } from '@mikro-orm/migrations';

/** `myShipments` filters on partner_user_id and sorts by created_at: without this it scans. */
export class Migration20261124002ShipmentsPartnerUserIndex extends Migration {
  override name = 'Migration20261124002ShipmentsPartnerUserIndex';

  override up(): void {
    this.addSql(
      'create index shipments_partner_user_id_created_at_index on shipments (partner_user_id, created_at)',
    );
  }

  override down(): void {
    this.addSql('drop index shipments_partner_user_id_created_at_index on shipments');
  }
}
