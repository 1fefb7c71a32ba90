import { gzipSync } from 'node:zlib';
import { RunningGeode, startGeodeApp } from '../../../test/support/geode-app';
import { DEFAULT_MAX_BODY_BYTES } from '../src/http';

jest.setTimeout(60_000);

/** A route that does not exist: a body that passes the limits gets the 404 problem. */
const NOWHERE = '/v1/limits-probe';

describe('request limits over HTTP', () => {
  let geode: RunningGeode;
  beforeAll(async () => {
    geode = await startGeodeApp('eu-west-1');
  });
  afterAll(() => geode.close());

  const send = async (init: RequestInit & { duplex?: 'half' }, path = NOWHERE) => {
    const response = await fetch(`${geode.url}${path}`, { method: 'POST', ...init });
    const text = await response.text();
    return {
      status: response.status,
      contentType: response.headers.get('content-type'),
      correlationId: response.headers.get('x-correlation-id'),
      text,
      problem: JSON.parse(text) as Record<string, unknown>,
    };
  };
  /** A JSON object of exactly `bytes` bytes. */
  const jsonOfSize = (bytes: number) => {
    const text = `{"pad":"${'x'.repeat(bytes - 10)}"}`;
    expect(Buffer.byteLength(text)).toBe(bytes);
    return text;
  };
  const json = { 'content-type': 'application/json' };

  it('lets a JSON body of exactly the limit (64 KiB) through', async () => {
    const answer = await send({ headers: json, body: jsonOfSize(DEFAULT_MAX_BODY_BYTES) });
    expect(answer.status).toBe(404);
    expect(answer.problem.type).toBe('not-found');
  });

  it('refuses a JSON body one byte over the limit: 413 payload-too-large problem', async () => {
    const answer = await send({
      headers: { ...json, 'x-correlation-id': 'too-big-1' },
      body: jsonOfSize(DEFAULT_MAX_BODY_BYTES + 1),
    });
    expect(answer.status).toBe(413);
    // Refused before the logging middleware: still answered with its correlation id.
    expect(answer.correlationId).toBe('too-big-1');
    expect(answer.contentType).toMatch(/^application\/problem\+json/);
    expect(answer.problem).toEqual({
      type: 'payload-too-large',
      title: 'Payload Too Large',
      status: 413,
      detail: `request body is larger than ${DEFAULT_MAX_BODY_BYTES} bytes`,
      instance: NOWHERE,
    });
  });

  it('counts a chunked body (no Content-Length) as it arrives', async () => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 20; i += 1) controller.enqueue(new Uint8Array(8 * 1024).fill(0x20));
        controller.close();
      },
    });
    const answer = await send({ headers: json, body, duplex: 'half' });
    expect(answer.status).toBe(413);
    expect(answer.problem.type).toBe('payload-too-large');
  });

  it('counts a compressed body by its inflated size', async () => {
    const body = gzipSync(Buffer.from(jsonOfSize(1024 * 1024)));
    expect(body.length).toBeLessThan(DEFAULT_MAX_BODY_BYTES);
    const answer = await send({ headers: { ...json, 'content-encoding': 'gzip' }, body });
    expect(answer.status).toBe(413);
    expect(answer.problem.type).toBe('payload-too-large');
  });

  it.each([
    ['text/plain', 'POST', { 'content-type': 'text/plain' }],
    ['a form', 'POST', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['XML', 'PATCH', { 'content-type': 'application/xml' }],
    ['no Content-Type at all', 'POST', {}],
  ])(
    'refuses a body sent as %s (%s): 415 unsupported-media-type problem',
    async (_case, method, headers) => {
      const answer = await send({
        method,
        headers,
        body: new TextEncoder().encode('{"a":1}'),
      });
      expect(answer.status).toBe(415);
      expect(answer.contentType).toMatch(/^application\/problem\+json/);
      expect(answer.problem).toMatchObject({
        type: 'unsupported-media-type',
        status: 415,
        instance: NOWHERE,
      });
    },
  );

  it('refuses JSON in a charset other than UTF-8: 415', async () => {
    const answer = await send({
      headers: { 'content-type': 'application/json; charset=latin1' },
      body: '{"a":1}',
    });
    expect(answer.status).toBe(415);
    expect(answer.problem.type).toBe('unsupported-media-type');
  });

  it('reads +json types (application/merge-patch+json) and a POST with no body needs no type', async () => {
    const patch = await send({
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: '{"owner":{"name":"Ada"}}',
    });
    expect(patch.status).toBe(404);
    const empty = await send({});
    expect(empty.status).toBe(404);
  });

  it.each([
    ['truncated', '{"amount": "10"'],
    ['not JSON at all', 'amount=10'],
    ['a bare number (an object or array is expected)', '42'],
  ])('refuses a JSON body that is %s: 400 validation problem', async (_case, body) => {
    const answer = await send({ headers: json, body });
    expect(answer.status).toBe(400);
    expect(answer.contentType).toMatch(/^application\/problem\+json/);
    expect(answer.problem).toEqual({
      type: 'validation',
      title: 'Bad Request',
      status: 400,
      detail: 'request body is not valid JSON (expected a JSON object or array)',
      instance: NOWHERE,
    });
  });

  it('applies to real routes before they run (POST /v1/accounts)', async () => {
    const answer = await send(
      { headers: { 'content-type': 'text/plain' }, body: 'open an account' },
      '/v1/accounts',
    );
    expect(answer.status).toBe(415);
    expect(answer.problem.type).toBe('unsupported-media-type');
  });
});
