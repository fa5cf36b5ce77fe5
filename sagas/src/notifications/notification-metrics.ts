import { Counter, Histogram, type Registry } from 'prom-client';
import { TEMPLATE_NAMES } from './notification-plan.js';

/** The worker's email counters, by template (DESIGN 11: emails sent and failed). */
export class NotificationMetrics {
  /** Emails the relay accepted. */
  readonly sent: Counter<'template'>;
  /**
   * Emails given up on: `rejected` (the relay refused the recipient or message for good; recorded,
   * not retried) or `exhausted` (transient failures until the retries ran out; dead-lettered).
   */
  readonly failed: Counter<'template' | 'reason'>;
  /** Failed attempts that will be retried. */
  readonly retried: Counter<'template'>;
  /** Attempts after one that ended without an outcome: possible duplicates (same Message-ID). */
  readonly resent: Counter<'template'>;
  readonly sendSeconds: Histogram<'template'>;

  constructor(registry: Registry) {
    this.sent = new Counter({
      name: 'notification_emails_sent_total',
      help: 'Emails accepted by the SMTP relay',
      labelNames: ['template'],
      registers: [registry],
    });
    this.failed = new Counter({
      name: 'notification_emails_failed_total',
      help: 'Emails given up on: rejected by the relay, or retries exhausted (dead-lettered)',
      labelNames: ['template', 'reason'],
      registers: [registry],
    });
    this.retried = new Counter({
      name: 'notification_emails_retried_total',
      help: 'Failed send attempts that will be retried',
      labelNames: ['template'],
      registers: [registry],
    });
    this.resent = new Counter({
      name: 'notification_emails_resent_total',
      help: 'Sends after an attempt that ended without an outcome (possible duplicates)',
      labelNames: ['template'],
      registers: [registry],
    });
    this.sendSeconds = new Histogram({
      name: 'notification_smtp_send_seconds',
      help: 'Duration of successful SMTP sends',
      labelNames: ['template'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
    // Every series of every template starts at 0, so rate() and absence alerts work from the start.
    for (const template of TEMPLATE_NAMES) {
      this.sent.inc({ template }, 0);
      this.retried.inc({ template }, 0);
      this.resent.inc({ template }, 0);
      for (const reason of ['rejected', 'exhausted']) this.failed.inc({ template, reason }, 0);
    }
  }
}
