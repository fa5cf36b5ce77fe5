/** What a failed SMTP send means for the email. */
export interface SmtpFailure {
  /**
   * `permanent`: the server refused this recipient or message for good (a 5xx answer to RCPT TO
   * or to the message): recorded, never retried. `transient`: anything else (refused or dropped
   * connection, timeout, 4xx, and also a 5xx to the sender or the login, which is the relay's
   * configuration, not this email): retried, then dead-lettered so it can be replayed.
   */
  readonly kind: 'permanent' | 'transient';
  /**
   * Whether the server may have taken the message although the send failed: the connection broke
   * or timed out after the message could have been sent, with no answer read. A retry then may
   * duplicate the email (the same Message-ID tells the copies apart downstream).
   */
  readonly mayHaveDelivered: boolean;
  /** One line for logs and the ledger: code, command and the server's answer. */
  readonly summary: string;
}

/** The fields nodemailer sets on its errors. */
interface NodemailerErrorFields {
  readonly code?: string;
  readonly responseCode?: number;
  readonly command?: string;
  readonly response?: string;
  readonly message?: string;
}

/** Errors raised before a byte of the message could have reached the server. */
const BEFORE_MESSAGE = new Set(['ECONNECTION', 'EDNS', 'ETLS', 'EAUTH', 'ENOAUTH', 'EENVELOPE']);
const BEFORE_MESSAGE_COMMANDS = new Set(['CONN', 'GREETING', 'EHLO', 'HELO', 'STARTTLS', 'AUTH']);

/** Classifies a send error (a nodemailer error, our deadline, or anything else). Pure. */
export function classifySmtpFailure(err: unknown): SmtpFailure {
  const e = (typeof err === 'object' && err !== null ? err : {}) as NodemailerErrorFields;
  const code = e.code ?? 'UNKNOWN';
  const responseCode = e.responseCode;
  const command = e.command ?? '';
  const summary = [
    code,
    command === '' ? undefined : `on ${command}`,
    (e.response ?? e.message ?? String(err)).replace(/\s+/g, ' ').slice(0, 300),
  ]
    .filter((p) => p !== undefined)
    .join(' ');
  if (responseCode !== undefined) {
    // The server answered: it decided, so it did not take the message.
    const refusedForGood =
      responseCode >= 500 &&
      responseCode < 600 &&
      (command === 'RCPT TO' || command === 'DATA' || code === 'EMESSAGE');
    return { kind: refusedForGood ? 'permanent' : 'transient', mayHaveDelivered: false, summary };
  }
  const beforeMessage =
    BEFORE_MESSAGE.has(code) ||
    BEFORE_MESSAGE_COMMANDS.has(command) ||
    /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH/.test(e.message ?? '');
  return { kind: 'transient', mayHaveDelivered: !beforeMessage, summary };
}
