import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { MongoClient } from 'mongodb';
import { TestStack } from '../src/index.js';

describe('MongoDB wire protocol (FerretDB) through the mongodb driver', () => {
  const stack = new TestStack('smoke-mongo');
  const client = new MongoClient(stack.env.MONGODB_URL, { serverSelectionTimeoutMS: 5000 });
  const dbName = stack.ns.mongoDatabase('catalog');
  after(async () => {
    await client
      .db(dbName)
      .dropDatabase()
      .catch(() => undefined);
    await client.close();
  });

  it('inserts and queries documents with flexible attributes', async () => {
    await client.connect();
    const products = client.db(dbName).collection<{
      _id: string;
      title: string;
      attributes: Record<string, unknown>;
      price: number;
    }>('products');
    await products.insertMany([
      { _id: 'p1', title: 'Desk Lamp', attributes: { color: 'black', watts: 40 }, price: 19.99 },
      { _id: 'p2', title: 'Floor Lamp', attributes: { color: 'white' }, price: 59 },
    ]);
    const cheap = await products.find({ price: { $lt: 30 } }).toArray();
    assert.deepEqual(
      cheap.map((p) => p._id),
      ['p1'],
    );
    const white = await products.findOne({ 'attributes.color': 'white' });
    assert.equal(white?.title, 'Floor Lamp');
    const updated = await products.updateOne({ _id: 'p1' }, { $set: { 'attributes.watts': 60 } });
    assert.equal(updated.modifiedCount, 1);
    assert.equal((await products.findOne({ _id: 'p1' }))?.attributes.watts, 60);
  });
});
