import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clientAddress, clientKey, TrustedProxies } from './client-address.js';

describe('clientAddress', () => {
  const lb = new TrustedProxies(['10.0.0.0/8', 'fd00::/8']);

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy (a client reaching the port directly)', () => {
    assert.equal(clientAddress('203.0.113.9', '1.2.3.4', lb), '203.0.113.9');
    assert.equal(clientAddress('203.0.113.9', '1.2.3.4', new TrustedProxies([])), '203.0.113.9');
  });

  it('behind trusted proxies, takes the right-most entry that is not itself a trusted proxy', () => {
    // the client wrote "6.6.6.6" itself; the edge proxy appended what it saw, the inner one too
    assert.equal(clientAddress('10.0.0.2', '6.6.6.6, 198.51.100.7, 10.0.0.1', lb), '198.51.100.7');
    assert.equal(clientAddress('10.0.0.2', ['6.6.6.6', '198.51.100.7'], lb), '198.51.100.7');
    assert.equal(clientAddress('fd00::2', '2001:db8::5', lb), '2001:db8::5');
  });

  it('stops at garbage or a missing header: the last address a trusted proxy vouched for', () => {
    assert.equal(clientAddress('10.0.0.2', 'not-an-ip, 10.0.0.1', lb), '10.0.0.1');
    assert.equal(clientAddress('10.0.0.2', undefined, lb), '10.0.0.2');
    assert.equal(clientAddress('10.0.0.2', '', lb), '10.0.0.2');
  });

  // Azure Application Gateway, some Envoy and IIS setups append `ip:port` (and `[v6]:port`). Read as
  // garbage, every client behind such a proxy was keyed as the proxy itself: one client filling
  // the login limit locked out everyone behind it.
  it('reads entries a trusted proxy appended with a port as the address', () => {
    assert.equal(clientAddress('10.0.0.2', '198.51.100.7:51234', lb), '198.51.100.7');
    assert.equal(clientAddress('10.0.0.2', '[2001:db8::5]:443', lb), '2001:db8::5');
    assert.equal(clientAddress('10.0.0.2', '[2001:db8::5]', lb), '2001:db8::5');
    assert.equal(
      clientAddress('10.0.0.2', '6.6.6.6, 198.51.100.7:1, 10.0.0.1:80', lb),
      '198.51.100.7',
    );
    // the part after the colon must be a port
    assert.equal(clientAddress('10.0.0.2', '198.51.100.7:x', lb), '10.0.0.2');
  });

  it('reads an IPv4 client on a dual-stack socket as IPv4', () => {
    assert.equal(clientAddress('::ffff:10.1.1.1', '198.51.100.7', lb), '198.51.100.7');
    assert.equal(clientAddress('::ffff:203.0.113.9', undefined, lb), '203.0.113.9');
  });

  it('refuses an entry that is neither an address nor a CIDR', () => {
    for (const bad of [
      'true',
      '10.0.0.0/33',
      '10.0.0.0/8/1',
      'fd00::/129',
      'example.com',
      '10.0.0.0/x',
    ])
      assert.throws(() => new TrustedProxies([bad]), /is not an IP address or CIDR/, bad);
  });
});

describe('clientKey', () => {
  it('keeps IPv4 addresses as they are', () => {
    assert.equal(clientKey('198.51.100.7'), '198.51.100.7');
    assert.equal(clientKey('::ffff:198.51.100.7'), '198.51.100.7');
  });

  it('groups IPv6 addresses by /64, whatever their spelling', () => {
    const key = '2001:db8:1:2::/64';
    for (const a of [
      '2001:db8:1:2::1',
      '2001:0db8:0001:0002:ffff:ffff:ffff:ffff',
      '2001:DB8:1:2:0:0:0:0',
      '2001:db8:1:2::1%eth0',
      '2001:db8:1:2::192.0.2.1',
    ])
      assert.equal(clientKey(a), key, a);
    assert.equal(clientKey('2001:db8:1:3::1'), '2001:db8:1:3::/64');
    assert.equal(clientKey('::1'), '0:0:0:0::/64');
  });

  it('passes anything else through', () => {
    assert.equal(clientKey('unknown'), 'unknown');
  });
});
