import { BlockList, isIP, isIPv4 } from 'node:net';

/**
 * The proxies whose `X-Forwarded-For` entries are believed: addresses and CIDRs, IPv4 or IPv6.
 * Empty: none, the client address is the socket's peer.
 */
export class TrustedProxies {
  private readonly list = new BlockList();

  /** Throws on the first entry that is neither an address nor a CIDR, naming it. */
  constructor(readonly entries: readonly string[]) {
    for (const entry of entries) {
      const [address = '', bits, extra] = entry.split('/');
      const family = isIP(address);
      const prefix = bits === undefined ? undefined : Number(bits);
      const maxBits = family === 4 ? 32 : 128;
      if (
        family === 0 ||
        extra !== undefined ||
        (prefix !== undefined && (!/^\d+$/.test(bits ?? '') || prefix > maxBits))
      )
        throw new Error(`"${entry}" is not an IP address or CIDR (e.g. 10.0.0.0/8, fd00::/8)`);
      const type = family === 4 ? 'ipv4' : 'ipv6';
      if (prefix === undefined) this.list.addAddress(address, type);
      else this.list.addSubnet(address, prefix, type);
    }
  }

  has(address: string): boolean {
    const family = isIP(address);
    if (family === 0 || this.entries.length === 0) return false;
    return this.list.check(address, family === 4 ? 'ipv4' : 'ipv6');
  }
}

/** `::ffff:1.2.3.4` (an IPv4 client on a dual-stack socket) is 1.2.3.4; a zone id is dropped. */
export function normalizeAddress(address: string): string {
  const bare = address.trim().replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  return mapped?.[1] ?? bare.toLowerCase();
}

/**
 * One X-Forwarded-For entry as an address: some proxies (Azure Application Gateway, IIS, some
 * Envoy setups) append `1.2.3.4:port` or `[2001:db8::1]:port`. Read as garbage, every client
 * behind such a proxy would be keyed as the proxy itself.
 */
function hopAddress(entry: string): string {
  const text = entry.trim();
  const v4 = /^(\d+\.\d+\.\d+\.\d+):\d{1,5}$/.exec(text);
  const v6 = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(text);
  return normalizeAddress(v4?.[1] ?? v6?.[1] ?? text);
}

/**
 * The client's address: the socket peer, unless that peer is a trusted proxy; then the
 * `X-Forwarded-For` entries are read from the right (each proxy appends the address it saw) and
 * the first one that is not itself a trusted proxy is the client. A client that reaches the port
 * directly is never a trusted proxy, so whatever X-Forwarded-For it sends is ignored.
 */
export function clientAddress(
  socketAddress: string | undefined,
  forwardedFor: string | string[] | undefined,
  trusted: TrustedProxies,
): string {
  let client = normalizeAddress(socketAddress ?? 'unknown');
  if (!trusted.has(client) || forwardedFor === undefined) return client;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
    .split(',')
    .map(hopAddress)
    .filter((s) => s.length > 0);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] ?? '';
    // Garbage in the header stops the walk: what a trusted proxy saw last is the best we know.
    if (isIP(hop) === 0) return client;
    client = hop;
    if (!trusted.has(hop)) return client;
  }
  return client;
}

/** The 8 hextets of an IPv6 address (`2001:db8::1` -> 2001,db8,0,0,0,0,0,1), or undefined. */
function hextets(address: string): number[] | undefined {
  let text = address;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4?.[1] !== undefined) {
    const [a = 0, b = 0, c = 0, d = 0] = v4[1].split('.').map(Number);
    text = `${text.slice(0, -v4[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string): number[] =>
    part === '' ? [] : part.split(':').map((h) => parseInt(h, 16));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const zeros = 8 - left.length - right.length;
  if (zeros < 0 || (tail === undefined && zeros !== 0)) return undefined;
  return [...left, ...Array<number>(zeros).fill(0), ...right];
}

/**
 * The key a client is limited under: an IPv4 address as is, an IPv6 address by its /64. One
 * subscriber usually gets a whole /64 (often a /56 or /48), so per-address IPv6 limits would be
 * 2^64 separate budgets for one attacker.
 */
export function clientKey(address: string): string {
  const normalized = normalizeAddress(address);
  if (isIPv4(normalized) || isIP(normalized) !== 6) return normalized;
  const h = hextets(normalized);
  if (h === undefined) return normalized;
  return `${h
    .slice(0, 4)
    .map((x) => x.toString(16))
    .join(':')}::/64`;
}
