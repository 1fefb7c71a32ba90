import { RunningGeode, startGeodeApp } from '../../../test/support/geode-app';

describe('geode over HTTP', () => {
  let geode: RunningGeode;
  beforeAll(async () => {
    geode = await startGeodeApp('ap-northeast-1');
  });
  afterAll(() => geode.close());

  it('answers /health with 200, the database check and its region', async () => {
    const response = await fetch(`${geode.url}/health`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toContain('no-store');
    expect(await response.json()).toMatchObject({
      status: 'ok',
      info: { database: { status: 'up' } },
      region: 'ap-northeast-1',
    });
  });

  it('serves Prometheus metrics, labelled with the region, counting requests by route', async () => {
    await fetch(`${geode.url}/health`);
    const response = await fetch(`${geode.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toContain('process_cpu_seconds_total{region="ap-northeast-1"}');
    expect(text).toMatch(
      /http_request_duration_seconds_count\{region="ap-northeast-1",method="GET",route="\/health",status="200"\} [1-9]/,
    );
  });

  it('runs the region sequencer, which takes its lease at start', async () => {
    const deadline = Date.now() + 5_000;
    let text = '';
    while (Date.now() < deadline) {
      text = await (await fetch(`${geode.url}/metrics`)).text();
      if (text.includes('geode_sequencer_leader{region="ap-northeast-1"} 1')) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(text).toContain('geode_sequencer_leader{region="ap-northeast-1"} 1');
  });

  it('answers unknown routes with RFC 9457 problem details', async () => {
    const response = await fetch(`${geode.url}/v1/nothing-here`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await response.json()).toEqual({
      type: 'not-found',
      title: 'Not Found',
      status: 404,
      detail: 'Cannot GET /v1/nothing-here',
      instance: '/v1/nothing-here',
    });
  });

  it('echoes a sane correlation id and replaces a hostile one', async () => {
    const kept = await fetch(`${geode.url}/health`, { headers: { 'x-correlation-id': 'req-123' } });
    expect(kept.headers.get('x-correlation-id')).toBe('req-123');
    const replaced = await fetch(`${geode.url}/health`, {
      headers: { 'x-correlation-id': 'a b\u0000c'.replace('\u0000', '') + '<script>' },
    });
    expect(replaced.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
