import { Migration } from '@mikro-orm/migrations';

/**
 * A placement whose outcome is unknown (the supplier may hold the order: its retries go to the
 * same supplier), and when goods inward last asked the supplier about a replenishment (rounds go
 * to the longest unpolled first).
 */
export class Migration20261203003ReplenishmentPolling extends Migration {
  override name = 'Migration20261203003ReplenishmentPolling';

  override up(): void {
    this.addSql(`alter table replenishment
      add column placement_uncertain tinyint(1) not null default 0 after supplier,
      add column polled_at datetime(3) null,
      add key replenishment_inward (polled_at, created_at)`);
  }

  override down(): void {
    this.addSql(`alter table replenishment
      drop key replenishment_inward, drop column polled_at, drop column placement_uncertain`);
  }
}
