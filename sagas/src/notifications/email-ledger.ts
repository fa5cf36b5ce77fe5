import type { EntityManager } from '@mikro-orm/core';
import { sqlRows, sqlRun } from '@shop/messaging';

/** The worker's own tables (besides @shop/messaging's inbox): put them in its migration. */
export const NOTIFICATION_TABLES_DDL: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS notification_email (
    event_id VARCHAR(64) NOT NULL PRIMARY KEY,
    template VARCHAR(64) NOT NULL,
    recipient VARCHAR(320) NOT NULL,
    message_id VARCHAR(200) NOT NULL,
    -- SENDING: an attempt is under way, or died without an outcome (it may have been delivered);
    -- RETRYING: the last attempt failed without delivering; SENT and REJECTED are final.
    status ENUM('SENDING', 'RETRYING', 'SENT', 'REJECTED') NOT NULL,
    attempts INT NOT NULL DEFAULT 1,
    -- attempts that found an earlier one without an outcome: each may have made a duplicate
    unresolved_resends INT NOT NULL DEFAULT 0,
    last_error VARCHAR(1000) NULL,
    smtp_response VARCHAR(1000) NULL,
    created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
    KEY ix_notification_email_status (status, updated_at)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
  `CREATE TABLE IF NOT EXISTS notification_user (
    user_id VARCHAR(64) NOT NULL PRIMARY KEY,
    email VARCHAR(320) NOT NULL,
    name VARCHAR(200) NOT NULL,
    updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3)
  ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`,
];

/**
 * What the ledger knew about an event's email when an attempt claimed it:
 * `new` (first attempt), `retry` (an earlier attempt failed without delivering), `unresolved` (an
 * earlier attempt died or timed out mid-send: the relay may have the message, so this send may be
 * a duplicate) or `final` (already SENT or REJECTED: send nothing).
 */
export type ClaimOutcome = 'new' | 'retry' | 'unresolved' | 'final';

export interface EmailClaim {
  readonly eventId: string;
  readonly template: string;
  readonly recipient: string;
  readonly messageId: string;
}

/**
 * One row per event: the worker's record of what it sent. `claim`, `recordSent` and
 * `recordFailure` commit on their own (autocommit on the ledger's connection, outside the
 * consumer's transaction: they must survive that transaction's rollback, and SENT must be durable
 * the instant it can be, see EmailDelivery); `recordRejected` joins the consumer's transaction,
 * so the refusal and the inbox row commit together.
 */
export class EmailLedger {
  constructor(private readonly autocommit: () => EntityManager) {}

  /**
   * Marks an attempt as started (SENDING, attempts + 1) and says what came before. Callers hold
   * the event's inbox row lock (see EmailDelivery), so two claims of one event never interleave.
   */
  async claim(c: EmailClaim): Promise<ClaimOutcome> {
    const em = this.autocommit();
    // The common case, a first attempt, is one statement.
    const inserted = await sqlRun(
      em,
      `INSERT IGNORE INTO notification_email (event_id, template, recipient, message_id, status)
       VALUES (?, ?, ?, ?, 'SENDING')`,
      [c.eventId, c.template, c.recipient, c.messageId],
    );
    if (inserted.affectedRows === 1) return 'new';
    const [row] = await sqlRows<{ status: string }>(
      em,
      'SELECT status FROM notification_email WHERE event_id = ?',
      [c.eventId],
    );
    if (row === undefined) throw new Error(`ledger row of ${c.eventId} vanished`);
    if (row.status === 'SENT' || row.status === 'REJECTED') return 'final';
    await sqlRun(
      em,
      `UPDATE notification_email
       SET attempts = attempts + 1, recipient = ?,
           unresolved_resends = unresolved_resends + IF(status = 'SENDING', 1, 0),
           status = 'SENDING'
       WHERE event_id = ?`,
      [c.recipient, c.eventId],
    );
    return row.status === 'SENDING' ? 'unresolved' : 'retry';
  }

  /**
   * SENT, in one autocommitted statement: the only write between the relay's 250 and the end of
   * the window in which a crash makes a duplicate. `em` defaults to the ledger's autocommit one.
   */
  async recordSent(
    eventId: string,
    response: string,
    em: EntityManager = this.autocommit(),
  ): Promise<void> {
    await sqlRun(
      em,
      `UPDATE notification_email SET status = 'SENT', smtp_response = ?, last_error = NULL
       WHERE event_id = ?`,
      [response.slice(0, 1000), eventId],
    );
  }

  async recordRejected(em: EntityManager, eventId: string, error: string): Promise<void> {
    await sqlRun(
      em,
      `UPDATE notification_email SET status = 'REJECTED', last_error = ? WHERE event_id = ?`,
      [error.slice(0, 1000), eventId],
    );
  }

  /** After a failed attempt: RETRYING if the relay surely lacks the message, else left SENDING. */
  async recordFailure(eventId: string, error: string, mayHaveDelivered: boolean): Promise<void> {
    await sqlRun(
      this.autocommit(),
      `UPDATE notification_email SET status = ?, last_error = ?
       WHERE event_id = ? AND status = 'SENDING'`,
      [mayHaveDelivered ? 'SENDING' : 'RETRYING', error.slice(0, 1000), eventId],
    );
  }
}

/** The worker's projection of users.events: where to write to a users id. */
export class UserContacts {
  async upsert(
    em: EntityManager,
    user: { readonly userId: string; readonly email: string; readonly name: string },
  ): Promise<void> {
    await sqlRun(
      em,
      `INSERT INTO notification_user (user_id, email, name) VALUES (?, ?, ?)
       ON DUPLICATE KEY UPDATE email = VALUES(email), name = VALUES(name)`,
      [user.userId, user.email, user.name],
    );
  }

  async find(
    em: EntityManager,
    userId: string,
  ): Promise<{ readonly email: string; readonly name: string } | undefined> {
    const [row] = await sqlRows<{ email: string; name: string }>(
      em,
      'SELECT email, name FROM notification_user WHERE user_id = ?',
      [userId],
    );
    return row;
  }
}
