// Registration → welcome email latency: `register` over HTTP to the email's arrival at the mail
// catcher (MailDev's receipt time), at 1 and 20 concurrent registrations. With the bonus, the
// path is users' outbox → Kafka → orchestrator → three saga steps on users → users.bonus-granted
// → notification worker → SMTP; the baseline, measured in the same run against the same
// processes, is a registration without a promotion (users.user-registered → worker → SMTP).
// Not a test: prints figures. `npm run bench:bonus -w sagas` (BENCH_SAMPLES per level, default 40).
import { createLogger, parseConfig } from '@shop/platform';
import { TestStack } from '@shop/testing';
import { randomCouponCodes, startUsersApp, usersConfigSchema } from '@shop/users';
import { openBonusWorld } from '../test/registration-bonus-support.js';
import { killAll } from '../test/support.js';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 40);
const LEVELS = [1, 20];
const stack = new TestStack('benchbonus');

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

const world = await openBonusWorld(stack, randomCouponCodes, { stepTimeoutMs: 10_000 });
// A second users app on the same database and topics, with the promotion off: its registrations
// get their welcome email straight from users.user-registered.
const plain = await startUsersApp(
  parseConfig(usersConfigSchema, { ...world.usersEnv, BONUS_ENABLED: 'false' }),
  createLogger('users-plain', 'error'),
);
try {
  await Promise.all([
    world.notify.startWorker({ LOG_LEVEL: 'info' }),
    world.orchestrator.waitForLine('orchestrator started', 60_000),
  ]);

  // One poller for every waiting registration (MailDev's own receipt time has whole seconds
  // only): the mail list is read every 20 ms, so a figure is late by at most that.
  const waiting = new Map<string, (at: number) => void>();
  let polling = true;
  const poller = (async () => {
    while (polling) {
      if (waiting.size > 0) {
        const now = Date.now();
        for (const m of await stack.mailbox.all())
          for (const to of m.to) waiting.get(to.address.toLowerCase())?.(now);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  let n = 0;
  const registerAndWait = async (withBonus: boolean): Promise<number> => {
    const email = `bench${n++}-${stack.ns.runId}@example.com`;
    const arrived = new Promise<number>((resolve) => waiting.set(email, resolve));
    const { at: t0 } = await world.register(email, withBonus ? world.users : plain);
    const at = await Promise.race([
      arrived,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`no welcome email to ${email}`)), 120_000),
      ),
    ]);
    waiting.delete(email);
    return at - t0;
  };
  const measure = async (withBonus: boolean, level: number, count: number): Promise<number[]> => {
    const times: number[] = [];
    while (times.length < count) {
      const k = Math.min(level, count - times.length);
      times.push(
        ...(await Promise.all(Array.from({ length: k }, () => registerAndWait(withBonus)))),
      );
    }
    return times;
  };

  // Warm-up: connections, group joins, JIT, templates.
  await Promise.all([
    ...Array.from({ length: 5 }, () => registerAndWait(true)),
    registerAndWait(false),
  ]);
  console.log(
    `register → welcome email (users in-process, orchestrator and notification worker as processes, real Kafka, MariaDB, MailDev), ${SAMPLES} registrations per row`,
  );
  console.log(
    '| concurrent | path | p50 ms | p95 ms | max ms | p50 vs baseline | p95 vs baseline |',
  );
  console.log('| ---: | --- | ---: | ---: | ---: | ---: | ---: |');
  for (const level of LEVELS) {
    // Interleaved halves, so a busy minute on the shared machine hits both paths alike.
    const base: number[] = [];
    const bonus: number[] = [];
    for (let half = 0; half < 2; half++) {
      base.push(...(await measure(false, level, SAMPLES / 2)));
      bonus.push(...(await measure(true, level, SAMPLES / 2)));
    }
    const row = (name: string, xs: number[]) =>
      `| ${level} | ${name} | ${pct(xs, 50)} | ${pct(xs, 95)} | ${Math.max(...xs)} | ${(pct(xs, 50) / pct(base, 50)).toFixed(2)}x | ${(pct(xs, 95) / pct(base, 95)).toFixed(2)}x |`;
    console.log(row('registration bonus saga', bonus));
    console.log(row('baseline: no promotion', base));
  }
  console.log(
    `(${world.rateLimited} registrations were refused as RATE_LIMITED by the password hasher's queue and retried; times count from the accepted attempt)`,
  );
  polling = false;
  await poller;
} finally {
  await killAll();
  // Bounded: the figures are printed; a connection slow to close must not hold the shell.
  await Promise.race([
    (async () => {
      await plain.close();
      await world.close();
    })(),
    new Promise((resolve) => setTimeout(resolve, 30_000).unref()),
  ]);
  process.exit(process.exitCode ?? 0);
}
