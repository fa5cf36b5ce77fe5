import type { IncomingMessage, ServerResponse } from 'node:http';

export const jsonError = (
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
): void => {
  res
    .writeHead(status, { 'content-type': 'application/json' })
    .end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
};

/** A request body refused before it is parsed, with the answer to give. */
export class BodyRefused extends Error {
  constructor(
    readonly status: number,
    readonly reason: 'body-too-large' | 'invalid-json' | 'batch',
    message: string,
  ) {
    super(message);
  }
}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const tooLarge = (): BodyRefused =>
    new BodyRefused(413, 'body-too-large', `Request body over ${limit} bytes`);
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Reads a POST body within `maxBytes` and, when it is JSON, parses it and bounds a batch at
 * `maxBatch` operations. Anything else is handed to Apollo as text (it answers the content-type).
 */
export async function readGraphQLBody(
  req: IncomingMessage,
  limits: { readonly maxBytes: number; readonly maxBatch: number },
): Promise<unknown> {
  const text = await readBody(req, limits.maxBytes);
  if (!(req.headers['content-type'] ?? '').includes('application/json')) return text;
  let body: unknown;
  try {
    body = JSON.parse(text) as unknown;
  } catch {
    throw new BodyRefused(400, 'invalid-json', 'Request body is not valid JSON');
  }
  if (Array.isArray(body) && body.length > limits.maxBatch)
    throw new BodyRefused(
      400,
      'batch',
      `Batch of ${body.length} operations; the limit is ${limits.maxBatch}`,
    );
  return body;
}
