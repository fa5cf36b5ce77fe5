import type { EntityManager } from '@mikro-orm/core';
import type { Logger } from '@shop/platform';
import type { EmailLedger } from './email-ledger.js';
import type { RenderedEmail } from './email-renderer.js';
import type { NotificationMetrics } from './notification-metrics.js';
import type { TemplateName } from './notification-plan.js';
import { classifySmtpFailure } from './smtp-failure.js';
import type { Mailer } from './smtp-mailer.js';

/**
 * The Message-ID of an event's email: a duplicate, should one ever leave, carries the same one.
 * Event ids are UUIDs; anything outside RFC 5322's safe set is %-escaped so the header stays valid.
 */
export const messageIdOf = (eventId: string): string =>
  `<${eventId.replace(/[^A-Za-z0-9._-]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}@shop.notifications>`;

/** A transient failure: the consumer retries the event with backoff, then dead-letters it. */
export class SendFailed extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SendFailed';
  }
}

export interface EmailToDeliver {
  readonly eventId: string;
  readonly template: TemplateName;
  readonly to: { readonly email: string; readonly name: string };
  readonly content: RenderedEmail;
}

export interface DeliveryContext {
  /** The consumer's transaction, which also holds the event's inbox row. */
  readonly em: EntityManager;
  readonly attempt: number;
  readonly maxAttempts: number;
}

/** What happened to one email. */
export type DeliveryOutcome = 'sent' | 'rejected' | 'already-final';

/**
 * Sends one event's email at most once in the ordinary course and never loses it.
 *
 * Why this order. The consumer calls us inside its transaction, after its `INSERT IGNORE` of the
 * event's inbox row: that row stays locked until the transaction ends, so a second delivery of
 * the same event (a rebalance handing the partition to another instance mid-send) waits on the
 * lock, then finds the row and skips. Within that transaction:
 *
 * 1. `claim` commits SENDING on its own connection: a record that an attempt started, which
 *    survives this transaction's rollback and the process's death.
 * 2. The SMTP send, bounded by the mailer's deadlines.
 * 3. `recordSent` in the consumer's transaction: SENT and the inbox row commit together.
 *
 * "Record then send" would lose the email when the process dies between the two; "send then
 * record" (what this is) can only duplicate it, and only when the process dies, or the commit
 * fails, in the instant between the relay's 250 and the commit, or when the connection breaks
 * after the message went out but before the 250 was read. In both cases the inbox row was rolled
 * back, so Kafka redelivers; the next claim finds SENDING left by an attempt without an outcome,
 * sends again (nothing lost), counts it in `notification_emails_resent_total` and logs it: a
 * possible duplicate, which carries the same Message-ID (derived from the event id), so a
 * mailbox that deduplicates on it, and anyone reading headers, sees one message. A failed attempt
 * whose message surely did not leave (refused connection, an SMTP error answer) sets RETRYING
 * instead, so a plain retry is not reported as a possible duplicate.
 *
 * A permanent refusal (5xx to the recipient or the message) is recorded as REJECTED in the
 * consumer's transaction and not retried; transient failures throw SendFailed for the consumer's
 * backoff, and its DLQ once the attempts are spent (the DLQ replay finds RETRYING or SENDING and
 * sends). A ledger row that is already SENT or REJECTED (its inbox row was purged) sends nothing.
 */
export class EmailDelivery {
  constructor(
    private readonly mailer: Mailer,
    private readonly ledger: EmailLedger,
    private readonly metrics: NotificationMetrics,
    private readonly logger: Logger,
  ) {}

  async deliver(email: EmailToDeliver, ctx: DeliveryContext): Promise<DeliveryOutcome> {
    const { eventId, template } = email;
    const messageId = messageIdOf(eventId);
    const labels = { template };
    const claim = await this.ledger.claim({
      eventId,
      template,
      recipient: email.to.email,
      messageId,
    });
    if (claim === 'final') {
      this.logger.info({ eventId, template }, 'email already sent or rejected; not sending again');
      return 'already-final';
    }
    if (claim === 'unresolved') {
      this.metrics.resent.inc(labels);
      this.logger.warn(
        { eventId, template, messageId },
        'an earlier attempt ended without an outcome; sending again (possible duplicate)',
      );
    }
    const started = process.hrtime.bigint();
    try {
      const { response } = await this.mailer.send({
        messageId,
        to: { address: email.to.email, name: email.to.name },
        subject: email.content.subject,
        html: email.content.html,
        text: email.content.text,
        headers: { 'X-Shop-Event-Id': eventId, 'X-Shop-Template': template },
      });
      this.metrics.sendSeconds.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
      await this.ledger.recordSent(ctx.em, eventId, response);
      this.metrics.sent.inc(labels);
      return 'sent';
    } catch (err) {
      const failure = classifySmtpFailure(err);
      if (failure.kind === 'permanent') {
        await this.ledger.recordRejected(ctx.em, eventId, failure.summary);
        this.metrics.failed.inc({ template, reason: 'rejected' });
        this.logger.warn(
          { eventId, template, smtp: failure.summary },
          'email refused for good by the relay; recorded, not retried',
        );
        return 'rejected';
      }
      // Best effort: if this write fails too, the row stays SENDING and the next attempt merely
      // reports a possible duplicate.
      await this.ledger
        .recordFailure(eventId, failure.summary, failure.mayHaveDelivered)
        .catch((e: unknown) => this.logger.warn({ err: e, eventId }, 'ledger update failed'));
      if (ctx.attempt >= ctx.maxAttempts)
        this.metrics.failed.inc({ template, reason: 'exhausted' });
      else this.metrics.retried.inc(labels);
      throw new SendFailed(`${template} email for ${eventId}: ${failure.summary}`, { cause: err });
    }
  }
}
