import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { ContractRegistry } from '@shop/schema';
import { DEFAULT_TEMPLATES_DIR, EmailRenderer } from './email-renderer.js';
import { NOTIFICATION_CONTRACTS, planNotification } from './notification-plan.js';
import { SAMPLE_EVENTS, type SampleOverrides } from './sample-events.js';

const registry = new ContractRegistry(NOTIFICATION_CONTRACTS);
const ops = { email: 'ops@example.com', name: 'Shop operations' };

describe('the saga-parked template', () => {
  let renderer: EmailRenderer;
  const render = (o: SampleOverrides = {}) => {
    const plan = planNotification(
      registry.decode(JSON.stringify(SAMPLE_EVENTS['saga-parked'](o).envelope)),
      { locale: 'en-US', timeZone: 'UTC' },
    );
    assert.ok(plan.email !== undefined);
    return renderer.render(plan.email.template, plan.email.view, ops);
  };

  before(async () => {
    renderer = await EmailRenderer.load(DEFAULT_TEMPLATES_DIR, {
      name: 'Shop',
      url: 'http://localhost:4000',
    });
  });

  it('subject: saga type, saga id and step, on one line', () => {
    const email = render({ sagaId: 'replenish-r-1' });
    assert.equal(
      email.subject,
      'Needs attention: replenish-stock replenish-r-1 (step place-purchase-order)',
    );
  });

  it('escapes the reason (a supplier’s free text) and every other field in the HTML part', () => {
    const reason = 'refused: <script>alert(1)</script> & <img src=x onerror=alert(2)> "q" \'s\'';
    const subject = '<b>r-1</b>';
    const email = render({ reason, subject, sagaId: 'replenish-<i>x</i>' });
    for (const raw of ['<script>', '<img', '<b>r-1', '<i>x'])
      assert.ok(!email.html.includes(raw), `no raw ${raw} in the HTML`);
    assert.ok(
      email.html.includes(
        'refused: &lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(2)&gt; &quot;q&quot; &#39;s&#39;',
      ),
    );
    assert.ok(email.html.includes('&lt;b&gt;r-1&lt;/b&gt;'));
    // The retry mutation names the replenishment as a GraphQL string, escaped in HTML too.
    assert.ok(email.html.includes('retryReplenishment(id: &quot;&lt;b&gt;r-1&lt;/b&gt;&quot;)'));
    assert.ok(email.text.includes(reason), 'the plain-text part keeps it verbatim');
  });

  it('both parts list type, id, subject, step, reason and what to do', () => {
    const email = render({ sagaId: 'replenish-r-2', subject: 'r-2', reason: 'SKU discontinued' });
    for (const part of [email.text, email.html])
      for (const want of [
        'replenish-stock',
        'replenish-r-2',
        'r-2',
        'replenishment id',
        'place-purchase-order',
        'SKU discontinued',
        'replenishments(filter: NEEDS_ATTENTION)',
        'retryReplenishment(id: ',
        'npm run sagas -w sagas -- show replenish-r-2',
      ])
        assert.ok(part.includes(want), want);
  });
});
