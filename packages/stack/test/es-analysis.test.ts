import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadStackConfig, stackEndpoints } from '../src/config.ts';

// Needs the stack's Elasticsearch (`npm run stack -- up`), which loads the shop-analysis plugin.
describe('shop-analysis plugin in the stack Elasticsearch', () => {
  const url = stackEndpoints(loadStackConfig()).ELASTICSEARCH_URL;
  const analyze = async (filter: string, text: string): Promise<string[]> => {
    const res = await fetch(`${url}/_analyze`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tokenizer: 'standard', filter: ['lowercase', filter], text }),
      signal: AbortSignal.timeout(5000),
    });
    const body = (await res.json()) as { tokens?: { token: string }[] };
    assert.equal(res.status, 200, JSON.stringify(body));
    return (body.tokens ?? []).map((t) => t.token);
  };

  it('stems English plurals and possessives (shop_english_stem)', async () => {
    assert.deepEqual(await analyze('shop_english_stem', "Bookcases Chairs Staples's"), [
      'bookcase',
      'chair',
      'staple',
    ]);
  });

  it('emits edge n-grams of 2 to 20 characters (shop_edge_ngram)', async () => {
    assert.deepEqual(await analyze('shop_edge_ngram', 'Desk'), ['de', 'des', 'desk']);
  });

  it('folds accents (shop_ascii_folding)', async () => {
    assert.deepEqual(await analyze('shop_ascii_folding', 'Café'), ['cafe']);
  });
});
