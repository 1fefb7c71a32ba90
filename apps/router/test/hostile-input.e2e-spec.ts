import { connect } from 'node:net';
import { answerJson, startFakeGeode, type FakeGeode } from './fake-geode';
import { startRouter, type RunningRouter } from './router-fixture';

interface RawAnswer {
  status: number;
  headers: string;
  body: Record<string, unknown> | undefined;
}

/** Sends bytes as they are (no client library tidies them up) and reads the answer until the router closes. */
function sendRaw(url: string, bytes: string): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      // An interim "100 Continue" comes before the answer proper.
      const text = Buffer.concat(chunks)
        .toString()
        .replace(/^HTTP\/1\.1 100 Continue\r\n\r\n/, '');
      const [head, ...rest] = text.split('\r\n\r\n');
      const body = rest.join('\r\n\r\n');
      resolve({
        status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0),
        headers: head,
        body: body.startsWith('{') ? (JSON.parse(body) as Record<string, unknown>) : undefined,
      });
    });
    // Written, not ended: a half-closed client is one that has gone away.
    socket.write(bytes);
  });
}

describe('hostile and malformed requests', () => {
  let geode: FakeGeode;
  let router: RunningRouter;

  beforeAll(async () => {
    geode = await startFakeGeode('eu-west-1', (request, res) =>
      answerJson(res, 200, { url: request.url }),
    );
    router = await startRouter({ geodes: [{ region: geode.region, url: geode.url }] });
  });
  afterAll(async () => {
    await router?.close();
    await geode?.close();
  });

  const request = (line: string, headers: string[] = []) =>
    sendRaw(
      router.url,
      [line, 'Host: router.test', ...headers, 'Connection: close', '', ''].join('\r\n'),
    );

  it.each([
    [
      'absolute-form',
      'GET http://evil.example/v1/accounts HTTP/1.1',
      [],
      400,
      'invalid-request-target',
    ],
    ['traversal', 'GET /v1/../admin/v1/replay HTTP/1.1', [], 400, 'invalid-request-target'],
    [
      'encoded traversal',
      'GET /v1/%2e%2E/admin/v1/replay HTTP/1.1',
      [],
      400,
      'invalid-request-target',
    ],
    [
      'double-encoded traversal',
      'GET /v1/%252e%252e/admin HTTP/1.1',
      [],
      400,
      'invalid-request-target',
    ],
    [
      'encoded slash',
      'GET /v1/accounts/a%2F..%2Fb/events HTTP/1.1',
      [],
      400,
      'invalid-request-target',
    ],
    ['backslash', 'GET /v1\\..\\admin HTTP/1.1', [], 400, 'invalid-request-target'],
    ['protocol-relative', 'GET //evil.example/x HTTP/1.1', [], 400, 'invalid-request-target'],
    ['bad percent-encoding', 'GET /v1/accounts/%zz HTTP/1.1', [], 400, 'invalid-request-target'],
    ['asterisk', 'OPTIONS * HTTP/1.1', [], 400, 'invalid-request-target'],
    [
      'oversized headers',
      'GET /v1/accounts HTTP/1.1',
      [`X-Big: ${'a'.repeat(20_000)}`],
      431,
      'headers-too-large',
    ],
    [
      'a header line without a colon',
      'GET /v1/accounts HTTP/1.1',
      ['Not a header'],
      400,
      'malformed-request',
    ],
    [
      'a control character in a header',
      'GET /v1/accounts HTTP/1.1',
      ['X-Evil: a\u0001b'],
      400,
      'malformed-request',
    ],
    [
      'Content-Length with Transfer-Encoding',
      'POST /v1/accounts HTTP/1.1',
      ['Content-Length: 4', 'Transfer-Encoding: chunked'],
      400,
      'malformed-request',
    ],
    ['a second Host', 'GET /v1/accounts HTTP/1.1', ['Host: evil.example'], 400, 'invalid-header'],
    [
      'a second Geode-Session',
      'GET /v1/accounts HTTP/1.1',
      ['Geode-Session: a', 'Geode-Session: b'],
      400,
      'invalid-header',
    ],
    [
      'a malformed X-Client-Region',
      'GET /v1/accounts HTTP/1.1',
      ['X-Client-Region: ../eu-west-1'],
      400,
      'invalid-header',
    ],
    [
      'a malformed CF-IPCountry',
      'GET /v1/accounts HTTP/1.1',
      ['CF-IPCountry: Germany'],
      400,
      'invalid-header',
    ],
    ['TRACE', 'TRACE /v1/accounts HTTP/1.1', [], 405, 'method-not-allowed'],
    ['CONNECT', 'CONNECT evil.example:443 HTTP/1.1', [], 405, 'method-not-allowed'],
    [
      'a websocket upgrade',
      'GET /v1/accounts HTTP/1.1',
      ['Upgrade: websocket', 'Connection: Upgrade'],
      400,
      'upgrade-not-supported',
    ],
    ['the peer-only replication feed', 'GET /replication/v1/feed HTTP/1.1', [], 404, 'not-found'],
  ])(
    'refuses %s with a 4xx problem and forwards nothing',
    async (_name, line, headers, status, type) => {
      const before = geode.seen.length;
      const answer = await request(line, headers);
      expect(answer.status).toBe(status);
      expect(answer.headers.toLowerCase()).toContain('content-type: application/problem+json');
      expect(answer.body).toMatchObject({ type, status });
      expect(geode.seen.length).toBe(before);
    },
  );

  it('forwards a clean request, with forwarding headers set by the router, not by the caller', async () => {
    const answer = await request('GET /v1/accounts/acc-1/events?x=%2e HTTP/1.1', [
      'X-Forwarded-For: 6.6.6.6',
      'X-Forwarded-Host: evil.example',
      'Connection: X-Hop',
      'X-Hop: secret',
    ]);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ url: '/v1/accounts/acc-1/events?x=%2e' });
    const seen = geode.seen[geode.seen.length - 1];
    expect(seen.headers['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen.headers['x-forwarded-host']).toBe('router.test');
    expect(seen.headers['x-forwarded-proto']).toBe('http');
    expect(seen.headers['x-hop']).toBeUndefined();
    expect(seen.headers.host).toBe(new URL(geode.url).host);
  });

  it('forwards a body sent with Expect: 100-continue', async () => {
    const body = JSON.stringify({ amount: '7' });
    const answer = await sendRaw(
      router.url,
      [
        'POST /v1/accounts/acc-1/deposits HTTP/1.1',
        'Host: router.test',
        'Content-Type: application/json',
        `Content-Length: ${body.length}`,
        'Expect: 100-continue',
        'Connection: close',
        '',
        body,
      ].join('\r\n'),
    );
    expect(answer.status).toBe(200);
    expect(geode.seen[geode.seen.length - 1]).toMatchObject({ method: 'POST', body });
  });
});
