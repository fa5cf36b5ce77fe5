import nodemailer from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';

/** One email ready to hand to the relay. */
export interface OutgoingEmail {
  /** `<eventId@shop.notifications>`: the same event always yields the same Message-ID. */
  readonly messageId: string;
  readonly to: { readonly address: string; readonly name: string };
  readonly subject: string;
  readonly html: string;
  readonly text: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** The port the worker sends through (SMTP here; a file mailbox in an embedded profile). */
export interface Mailer {
  /** Resolves with the server's final answer once it took the message; rejects otherwise. */
  send(email: OutgoingEmail): Promise<{ readonly response: string }>;
  /** Opens a connection and says hello (readiness). */
  verify(): Promise<void>;
  close(): void;
}

export interface SmtpMailerOptions {
  /** `smtp://user:pass@host:587` (STARTTLS when offered) or `smtps://...:465` (TLS from the start). */
  readonly url: string;
  /** `Shop <no-reply@shop.example>` */
  readonly from: string;
  /** Refuse to send over a connection that did not upgrade to TLS. @default false */
  readonly requireTls?: boolean;
  /** Connections kept open to the relay. @default 5 */
  readonly poolSize?: number;
  /** TCP connect deadline. @default 5000 */
  readonly connectionTimeoutMs?: number;
  /** Deadline for the server's greeting once connected. @default 5000 */
  readonly greetingTimeoutMs?: number;
  /** Longest silence of the server mid-conversation. @default 8000 */
  readonly socketTimeoutMs?: number;
  /**
   * Deadline of one whole send, queueing in the pool included: nodemailer's timeouts bound each
   * wait but not their sum. Keep it under the Kafka session timeout (10 s): the consumer does not
   * heartbeat while one message is being handled. @default 8000
   */
  readonly sendDeadlineMs?: number;
}

/** nodemailer over SMTP with a connection pool and a deadline on every call. */
export function createSmtpMailer(options: SmtpMailerOptions): Mailer {
  // The URL is taken apart here: nodemailer, given `url` in its options, replaces every other
  // option with what it parses from the URL, silently dropping the pool and all timeouts.
  const transport = nodemailer.createTransport({
    ...smtpEndpoint(options.url),
    pool: true,
    maxConnections: options.poolSize ?? 5,
    maxMessages: 1000,
    requireTLS: options.requireTls ?? false,
    connectionTimeout: options.connectionTimeoutMs ?? 5000,
    greetingTimeout: options.greetingTimeoutMs ?? 5000,
    socketTimeout: options.socketTimeoutMs ?? 8000,
    dnsTimeout: options.connectionTimeoutMs ?? 5000,
    disableFileAccess: true,
    disableUrlAccess: true,
  } satisfies SMTPPool.Options);
  const deadlineMs = options.sendDeadlineMs ?? 8000;
  return {
    async send(email) {
      const info = await withDeadline(
        transport.sendMail({
          from: options.from,
          to: { address: email.to.address, name: email.to.name },
          subject: email.subject,
          html: email.html,
          text: email.text,
          messageId: email.messageId,
          headers: { ...email.headers },
          // Native base64 instead of nodemailer's JS quoted-printable encoder and its scan of the
          // text to choose one: the MIME encoding was a large share of the worker's CPU per email.
          textEncoding: 'base64',
        }),
        deadlineMs,
        `SMTP send exceeded ${deadlineMs} ms`,
      );
      return { response: String(info.response ?? '') };
    },
    async verify() {
      await withDeadline(transport.verify(), deadlineMs, `SMTP verify exceeded ${deadlineMs} ms`);
    },
    close() {
      transport.close();
    },
  };
}

/** Host, port, TLS mode and credentials of an `smtp://` or `smtps://` URL. */
export function smtpEndpoint(url: string): {
  host: string;
  port: number;
  secure: boolean;
  auth?: { user: string; pass: string };
} {
  const u = new URL(url);
  if (u.protocol !== 'smtp:' && u.protocol !== 'smtps:')
    throw new Error(`SMTP_URL must be smtp:// or smtps://, not ${u.protocol}//`);
  const secure = u.protocol === 'smtps:';
  return {
    host: u.hostname,
    port: u.port === '' ? (secure ? 465 : 587) : Number(u.port),
    secure,
    ...(u.username === ''
      ? {}
      : {
          auth: { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) },
        }),
  };
}

async function withDeadline<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(Object.assign(new Error(message), { code: 'EDEADLINE' })),
          ms,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
