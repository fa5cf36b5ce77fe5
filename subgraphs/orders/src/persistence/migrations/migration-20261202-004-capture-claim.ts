import { Migration } from '@mikro-orm/migrations';

/**
 * A capture's claim on its payment: which run asks the provider now, and until when (see
 * `PaymentService.claimCapture`). Two runs of one order's capture must not ask at once: one's
 * closing of the capture key (a refund) would undo the other's charge after it recorded it.
 */
export class Migration20261202004CaptureClaim extends Migration {
  override name = 'Migration20261202004CaptureClaim';

  override up(): void {
    this.addSql(`alter table payments
      add column capture_claim char(36) null,
      add column capture_claim_until datetime(3) null`);
  }

  override down(): void {
    this.addSql(`alter table payments
      drop column capture_claim,
      drop column capture_claim_until`);
  }
}
