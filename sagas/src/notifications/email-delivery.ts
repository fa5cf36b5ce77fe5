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
 * lock, then finds the row and skips.
 *
 * 1. `claim` commits SENDING on its own connection: a record that an attempt started, which
 *    survives the consumer's rollback and the process's death.
 * 2. The SMTP send, bounded by the mailer's deadlines.
 * 3. `recordSent` commits SENT on its own connection, the first thing after the relay's 250 and
 *    without waiting for the consumer's transaction. A redelivery (the inbox row rolled back by a
 *    crash before that transaction committed) then finds SENT and sends nothing.
 *
 * "Record then send" would lose the email when the process dies between the two; "send then
 * record" (what this is) can only duplicate it, and only in one window: from the moment the relay
 * has the whole message (its reading of the final `.`) until the SENT statement has left this
 * process (MariaDB commits a statement it received even if the client dies before the answer).
 * That is the relay's 250 on its way back, one turn of the event loop and one write to an
 * idle pooled connection; it can be narrowed, not closed: SMTP has no way to ask the relay
 * afterwards whether it holds a message. A crash or a lost connection in that window leaves
 * SENDING; the next claim sends again (nothing lost), counts it in
 * `notification_emails_resent_total` and logs it: a possible duplicate, which carries the same
 * Message-ID (derived from the event id), so a mailbox that deduplicates on it, and anyone
 * reading headers, sees one message. A failed attempt whose message surely did not leave (refused
 * connection, an SMTP error answer) sets RETRYING instead, so a plain retry is not reported as a
 * possible duplicate.
 *
 * A permanent refusal (5xx to the recipient or the message) is recorded as REJECTED in the
 * consumer's transaction and not retried; transient failures throw SendFailed for the consumer's
 * backoff, and its DLQ once the attempts are spent (the DLQ replay finds RETRYING or SENDING and
 * sends). A ledger row that is already SENT or REJECTED sends nothing.
 */
export class EmailDelivery {
  private readonly slots: SendSlots;

  /**
   * @param sendSlots Emails between claim and outcome at once: the mailer's SMTP connections
   *   (more would only queue inside nodemailer). It bounds what a crash can duplicate, and makes
   *   the SENDING rows a crash leaves (each flagged as a possible duplicate when resent) those
   *   that were really on a connection, not every handler waiting for one. @default 5
   */
  constructor(
    private readonly mailer: Mailer,
    private readonly ledger: EmailLedger,
    private readonly metrics: NotificationMetrics,
    private readonly logger: Logger,
    sendSlots = 5,
  ) {
    this.slots = new SendSlots(sendSlots);
  }

  async deliver(email: EmailToDeliver, ctx: DeliveryContext): Promise<DeliveryOutcome> {
    const release = await this.slots.acquire();
    try {
      return await this.deliverInSlot(email, ctx);
    } finally {
      release();
    }
  }

  private async deliverInSlot(
    email: EmailToDeliver,
    ctx: DeliveryContext,
  ): Promise<DeliveryOutcome> {
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
    let response: string;
    try {
      response = (
        await this.mailer.send({
          messageId,
          to: { address: email.to.email, name: email.to.name },
          subject: email.content.subject,
          html: email.content.html,
          text: email.content.text,
          headers: { 'X-Shop-Event-Id': eventId, 'X-Shop-Template': template },
        })
      ).response;
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
    // Nothing may come between the 250 and this write: see the window above.
    await this.ledger.recordSent(eventId, response).catch(async (err: unknown) => {
      // The autocommit connection failed: fall back to the consumer's transaction, so SENT still
      // commits with the inbox row if that one gets through.
      this.logger.warn({ err, eventId }, 'ledger SENT write failed; joining the consumer commit');
      await this.ledger.recordSent(eventId, response, ctx.em);
    });
    this.metrics.sendSeconds.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    this.metrics.sent.inc(labels);
    return 'sent';
  }
}

/** A counting semaphore, FIFO. */
class SendSlots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(size: number) {
    this.free = Math.max(1, size);
  }

  async acquire(): Promise<() => void> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next !== undefined) next();
      else this.free++;
    };
  }
}
