import { waitUntil, type WaitOptions } from './wait.js';

/** A message as MailDev's REST API returns it (the fields tests use). */
export interface CaughtMail {
  readonly id: string;
  readonly subject: string;
  readonly text?: string;
  readonly html?: string;
  readonly from: readonly { address: string; name?: string }[];
  readonly to: readonly { address: string; name?: string }[];
  readonly headers: Readonly<Record<string, string>>;
}

/** Reads mail delivered to the stack's mail catcher over its HTTP API. */
export class Mailbox {
  constructor(private readonly apiUrl: string) {}

  async all(): Promise<CaughtMail[]> {
    const res = await fetch(`${this.apiUrl}/email`);
    if (!res.ok) throw new Error(`mail API answered ${res.status}`);
    // A mail MailDev could not parse (a 0-byte file a killed run left in its store) has no
    // recipients: given an empty list, so one such file cannot break every lookup.
    const mails = (await res.json()) as (Omit<CaughtMail, 'to'> & { to?: CaughtMail['to'] })[];
    return mails.map((m) => ({ ...m, to: m.to ?? [] }));
  }

  /** Mail sent to `address` (case-insensitive). Use a run-unique address per test. */
  async to(address: string): Promise<CaughtMail[]> {
    const wanted = address.toLowerCase();
    return (await this.all()).filter((m) => m.to.some((t) => t.address.toLowerCase() === wanted));
  }

  /** Waits until at least `count` messages reached `address`, and returns them. */
  waitFor(address: string, count = 1, options: WaitOptions = {}): Promise<CaughtMail[]> {
    return waitUntil(
      async () => {
        const found = await this.to(address);
        return found.length >= count ? found : undefined;
      },
      { what: `${count} mail(s) to ${address}`, ...options },
    );
  }
}
