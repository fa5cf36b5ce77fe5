import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { analysisSettings } from './search-index.js';

/** Filters every Elasticsearch distribution has without analysis-common. */
const CORE = new Set(['lowercase']);

describe('analysisSettings', () => {
  it('with analysis-common, defines every shop_* filter its analyzers use from built-ins', () => {
    const a = analysisSettings(true);
    const defined = new Set(Object.keys(a.filter));
    for (const [name, analyzer] of Object.entries(a.analyzer))
      for (const f of analyzer.filter)
        assert.ok(
          CORE.has(f) || f === 'kstem' || defined.has(f),
          `${name} uses ${f}, which a full Elasticsearch does not know`,
        );
    assert.deepEqual(a.analyzer.shop_text.filter, [
      'lowercase',
      'shop_ascii_folding',
      'shop_english_possessive',
      'kstem',
    ]);
  });

  it("on the stack's core-only server, leaves the plugin's global shop_* filters as they are", () => {
    const a = analysisSettings(false);
    assert.deepEqual(a.analyzer.shop_text.filter, [
      'lowercase',
      'shop_ascii_folding',
      'shop_english_stem',
    ]);
    assert.equal('shop_ascii_folding' in a.filter, false);
  });

  it('expands synonyms on the query side only, after stemming, from the rules given', () => {
    for (const hasCommon of [false, true]) {
      const a = analysisSettings(hasCommon, ['sofa, couch']);
      assert.equal(a.analyzer.shop_search.filter.at(-1), 'shop_synonyms');
      assert.ok(a.analyzer.shop_search.filter.includes(hasCommon ? 'kstem' : 'shop_english_stem'));
      assert.deepEqual(a.filter.shop_synonyms.synonyms, ['sofa, couch']);
      for (const [name, analyzer] of Object.entries(a.analyzer))
        if (name !== 'shop_search') assert.ok(!analyzer.filter.includes('shop_synonyms'), name);
    }
  });
});
