import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Client } from '@elastic/elasticsearch';
import { TestStack } from '../src/index.js';

describe('Elasticsearch through @elastic/elasticsearch', () => {
  const stack = new TestStack('smoke-es');
  const es = new Client({ node: stack.env.ELASTICSEARCH_URL });
  const index = stack.ns.index('products');
  after(async () => {
    await es.indices.delete({ index }, { ignore: [404] });
    await es.close();
  });

  it('creates an index, indexes a document and finds it by full-text match', async () => {
    await es.indices.create({
      index,
      mappings: { properties: { title: { type: 'text' }, category: { type: 'keyword' } } },
    });
    await es.index({
      index,
      id: 'p1',
      document: { title: 'Ergonomic Office Chair with Lumbar Support', category: 'Furniture' },
    });
    await es.index({
      index,
      id: 'p2',
      document: { title: 'Wireless Keyboard', category: 'Technology' },
    });
    await es.indices.refresh({ index });

    const res = await es.search<{ title: string }>({
      index,
      query: { match: { title: 'office chair' } },
    });
    assert.equal(res.hits.hits.length, 1);
    assert.equal(res.hits.hits[0]?._id, 'p1');
    assert.match(res.hits.hits[0]?._source?.title ?? '', /Chair/);
  });
});
