// A delivery partner's live feed, as a partner app would hold it: log in, subscribe to
// `myAssignments` over graphql-ws, print every update, and when the socket drops (network, a
// gateway restart, the access token's expiry: close code 4403) log in again if needed and resume
// after the last cursor, so nothing is missed or printed twice.
//
//   npm run build -w gateway
//   GATEWAY_URL=http://127.0.0.1:4000 PARTNER_EMAIL=... PARTNER_PASSWORD=... \
//     node gateway/dist/scripts/partner-assignments.js [after-cursor]
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

const gateway = process.env.GATEWAY_URL ?? 'http://127.0.0.1:4000';
const email = process.env.PARTNER_EMAIL;
const password = process.env.PARTNER_PASSWORD;
if (email === undefined || password === undefined) {
  console.error('Set PARTNER_EMAIL and PARTNER_PASSWORD (a users account with the partner role).');
  process.exit(2);
}

interface Update {
  cursor: string;
  change: string;
  status: string;
  at: string;
  shipmentId: string;
  order: { id: string };
}

async function post<T>(query: string, variables: object, token?: string): Promise<T> {
  const res = await fetch(`${gateway}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await res.json()) as { data?: T | null; errors?: { message: string }[] };
  if (body.data == null) throw new Error(body.errors?.[0]?.message ?? `HTTP ${res.status}`);
  return body.data;
}

const login = async (): Promise<string> =>
  (
    await post<{ login: { accessToken: string } }>(
      'mutation ($input: LoginInput!) { login(input: $input) { accessToken } }',
      { input: { email, password } },
    )
  ).login.accessToken;

/** One connection: resolves with the close code when the socket ends. */
function follow(token: string, after: string, onUpdate: (u: Update) => void) {
  return new Promise<number>((resolve) => {
    const client = createClient({
      url: `${gateway.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
      lazy: false,
      onNonLazyError: () => undefined,
      on: { closed: (e) => resolve((e as { code?: number }).code ?? 1006) },
    });
    client.subscribe<{ myAssignments: Update }>(
      {
        query: `subscription ($after: String) {
          myAssignments(after: $after) { cursor change status at shipmentId order { id } }
        }`,
        variables: { after },
      },
      {
        next: (r) => {
          if (r.data) onUpdate(r.data.myAssignments);
          if (r.errors) console.error('error:', r.errors[0]?.message);
        },
        error: (err) => {
          console.error('refused:', JSON.stringify(err));
          void client.dispose();
        },
        complete: () => void client.dispose(),
      },
    );
  });
}

let token = await login();
// Where "now" is, so that even the first reconnect resumes instead of starting live again.
let cursor =
  process.argv[2] ??
  (await post<{ myAssignmentCursor: string }>('{ myAssignmentCursor }', {}, token))
    .myAssignmentCursor;
for (;;) {
  console.log(`following after ${cursor}`);
  const code = await follow(token, cursor, (u) => {
    cursor = u.cursor;
    console.log(`${u.at}  ${u.change.padEnd(10)} ${u.status.padEnd(10)} order ${u.order.id}`);
  });
  console.log(`socket closed (${code}); reconnecting`);
  if (code === 4403) token = await login();
  await new Promise((r) => setTimeout(r, 1000));
}
