// The gateway's last word on what identity a subgraph request carries. @apollo/gateway forwards
// no client header today, so an end-to-end test cannot tell whether the strip list works; this one
// hands the proof feature a subgraph request onto which every client header was copied (what a
// header-propagation feature would do) and checks that no client-sent identity or proof survives.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { createLogger, GATEWAY_PROOF_HEADER } from '@shop/platform';
import { decodeJwt } from 'jose';
import { useGatewayProof } from '../src/features/use-gateway-proof.js';
import type { GatewayContext } from '../src/gateway-feature.js';
import { PROOF_KEYS } from './harness.js';

const FORGED_PROOF = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiIsInJvbGVzIjpbImFkbWluIl19.x';

/** Headers a client may send to pass itself off as someone else, as the client sent them. */
const CLIENT_IDENTITY_HEADERS: Record<string, string> = {
  [GATEWAY_PROOF_HEADER]: FORGED_PROOF,
  'X-User-Id': 'someone-else',
  'x-user-roles': 'admin',
  Authorization: 'Bearer client-token',
};

const subgraphRequest = (headers: Headers): GraphQLDataSourceProcessOptions['request'] => ({
  query: '{ hello }',
  http: { method: 'POST', url: 'http://subgraph/graphql', headers },
});

describe('client identity headers', () => {
  for (const [label, identity] of [
    ['an anonymous caller', undefined],
    ['a signed-in customer', { sub: 'u-1', roles: ['customer'], expiresAt: Infinity }],
  ] as const)
    it(`never reach a subgraph, even copied onto its request (${label})`, async () => {
      const feature = useGatewayProof({ privateKey: PROOF_KEYS.privateKey });
      const headers = new Headers({
        ...CLIENT_IDENTITY_HEADERS,
        'content-type': 'application/json',
      });
      const context: GatewayContext = {
        requestId: 'req-12345678',
        clientIp: '127.0.0.1',
        identity,
        logger: createLogger('client-header-strip', 'silent'),
      };
      await feature.onSubgraphRequest?.({
        subgraph: 'accounts',
        request: subgraphRequest(headers),
        context,
      });
      for (const name of Object.keys(CLIENT_IDENTITY_HEADERS))
        if (name !== GATEWAY_PROOF_HEADER) assert.equal(headers.get(name), null, name);
      const proof = headers.get(GATEWAY_PROOF_HEADER);
      assert.ok(proof !== null && proof !== FORGED_PROOF, 'the client proof was forwarded');
      // the proof is the gateway's own statement of the verified caller, nothing the client said
      const claims = decodeJwt(proof);
      assert.equal(claims.sub, identity?.sub);
      assert.deepEqual(claims.roles, identity === undefined ? undefined : ['customer']);
      assert.equal(headers.get('content-type'), 'application/json');
    });
});
