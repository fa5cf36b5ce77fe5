// `npm run preview-email -w sagas -- <template> [out.html]`: renders one email with sample data to
// a file (and its plain-text part beside it), without sending anything.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ContractRegistry } from '@shop/schema';
import { DEFAULT_TEMPLATES_DIR, EmailRenderer } from './email-renderer.js';
import {
  NOTIFICATION_CONTRACTS,
  planNotification,
  TEMPLATE_NAMES,
  type TemplateName,
} from './notification-plan.js';
import { SAMPLE_EVENTS } from './sample-events.js';

const [name, out] = process.argv.slice(2);
if (name === undefined || !(TEMPLATE_NAMES as readonly string[]).includes(name)) {
  process.stderr.write(
    `usage: npm run preview-email -w sagas -- <template> [out.html]\ntemplates: ${TEMPLATE_NAMES.join(', ')}\n`,
  );
  process.exit(64);
}
const template = name as TemplateName;
const shopName = process.env.NOTIFY_SHOP_NAME ?? 'Shop';
const renderer = await EmailRenderer.load(
  process.env.NOTIFY_TEMPLATES_DIR ?? DEFAULT_TEMPLATES_DIR,
  {
    name: shopName,
    url: process.env.NOTIFY_SHOP_URL ?? 'http://localhost:4000',
  },
);
// The sample goes through the same decoding and plan as a real event.
const decoded = new ContractRegistry(NOTIFICATION_CONTRACTS).decode(
  JSON.stringify(SAMPLE_EVENTS[template]().envelope),
);
const plan = planNotification(decoded, {
  locale: process.env.NOTIFY_LOCALE ?? 'en-US',
  timeZone: process.env.NOTIFY_TIME_ZONE ?? 'UTC',
});
if (plan.email === undefined) throw new Error(`the ${template} sample makes no email`);
const to =
  plan.email.to.kind === 'contact'
    ? { email: plan.email.to.email, name: plan.email.to.name }
    : plan.email.to.kind === 'operations'
      ? {
          email: process.env.NOTIFY_OPS_EMAIL ?? 'operations@shop.localhost',
          name: `${shopName} operations`,
        }
      : { email: 'ada@example.com', name: 'Ada Lovelace' };
const email = renderer.render(plan.email.template, plan.email.view, to);
const htmlFile = path.resolve(process.env.INIT_CWD ?? process.cwd(), out ?? `${template}.html`);
const textFile = htmlFile.replace(/\.html?$/, '') + '.txt';
await writeFile(htmlFile, email.html);
await writeFile(textFile, `Subject: ${email.subject}\n\n${email.text}`);
process.stdout.write(`subject: ${email.subject}\nwrote ${htmlFile}\nwrote ${textFile}\n`);
