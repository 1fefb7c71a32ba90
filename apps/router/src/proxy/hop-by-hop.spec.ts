import { clientResponseHeaders, upstreamRequestHeaders } from './hop-by-hop';

describe('upstreamRequestHeaders', () => {
  const facts = {
    clientAddress: '10.0.0.9',
    proto: 'http',
    host: 'api.example',
    correlationId: 'c-1',
  };

  it('drops hop-by-hop headers, the ones a Connection header names, and forged forwarding headers', () => {
    const headers = upstreamRequestHeaders(
      [
        'Host',
        'api.example',
        'Connection',
        'keep-alive, X-Secret',
        'X-Secret',
        'hop only',
        'Keep-Alive',
        'timeout=5',
        'Transfer-Encoding',
        'chunked',
        'TE',
        'trailers',
        'Upgrade',
        'websocket',
        'Proxy-Authorization',
        'Basic x',
        'X-Forwarded-For',
        '6.6.6.6',
        'X-Correlation-Id',
        'whatever',
        'Content-Type',
        'application/json',
        'Geode-Session',
        'abc',
        'Accept',
        'a',
        'Accept',
        'b',
      ],
      facts,
    );
    expect(headers).toEqual([
      'Content-Type',
      'application/json',
      'Geode-Session',
      'abc',
      'Accept',
      'a',
      'Accept',
      'b',
      'x-forwarded-for',
      '10.0.0.9',
      'x-forwarded-proto',
      'http',
      'x-correlation-id',
      'c-1',
      'x-forwarded-host',
      'api.example',
    ]);
  });

  it('appends to a trusted X-Forwarded-For', () => {
    const headers = upstreamRequestHeaders([], { ...facts, priorForwardedFor: '1.2.3.4' });
    expect(headers.slice(0, 2)).toEqual(['x-forwarded-for', '1.2.3.4, 10.0.0.9']);
  });
});

describe('clientResponseHeaders', () => {
  it("keeps the geode's headers except hop-by-hop ones and names the region that answered", () => {
    expect(
      clientResponseHeaders(
        {
          'content-type': 'application/json',
          connection: 'keep-alive, x-internal',
          'x-internal': '1',
          'keep-alive': 'timeout=5',
          'transfer-encoding': 'chunked',
          'set-cookie': ['a=1', 'b=2'],
          'geode-region': 'spoofed',
        },
        'eu-west-1',
      ),
    ).toEqual({
      'content-type': 'application/json',
      'set-cookie': ['a=1', 'b=2'],
      'geode-region': 'eu-west-1',
    });
  });

  it("adds the request's correlation id unless the geode sent its own", () => {
    const plain = { 'content-type': 'application/json', connection: 'keep-alive' };
    expect(clientResponseHeaders(plain, 'eu-west-1', 'c-1')).toEqual({
      'x-correlation-id': 'c-1',
      'content-type': 'application/json',
      'geode-region': 'eu-west-1',
    });
    expect(
      clientResponseHeaders({ ...plain, 'x-correlation-id': 'from-geode' }, 'eu-west-1', 'c-1'),
    ).toMatchObject({ 'x-correlation-id': 'from-geode' });
  });
});
