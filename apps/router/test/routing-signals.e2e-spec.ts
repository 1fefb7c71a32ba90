import type { ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from '../../../libs/event-store/src/testing/eventually';
import { answerJson, startFakeGeode, type FakeGeode } from './fake-geode';
import { startRouter, type RunningRouter } from './router-fixture';

const waitFor = (what: string, condition: () => boolean) =>
  eventually(what, () => (condition() ? true : undefined), 5_000);

describe('what the router learns from geodes (stand-in geodes: lag and residency hints are not sent by real ones yet)', () => {
  let eu: FakeGeode;
  let us: FakeGeode;
  let router: RunningRouter;
  let release: (() => void) | undefined;
  let streamClosedEarly = false;
  /** Times the stand-in geode had to wait for the router to take more of a large answer. */
  let geodeWaits = 0;

  const handler = (region: string) => (request: FakeGeode['seen'][number], res: ServerResponse) => {
    if (request.url === '/v1/accounts/hinted/events')
      return answerJson(res, 200, { servedBy: region }, { 'geode-residency': 'us-east-1' });
    if (request.url === '/v1/stream') {
      // A long answer, sent in two parts: the second only once the test has seen the first.
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('first part\n');
      release = () => res.end('second part\n');
      res.once('close', () => (streamClosedEarly = !res.writableFinished));
      return;
    }
    if (request.url === '/v1/large') return sendLarge(res, () => (geodeWaits += 1));
    answerJson(res, 200, { servedBy: region });
  };

  beforeAll(async () => {
    eu = await startFakeGeode('eu-west-1', handler('eu-west-1'));
    us = await startFakeGeode('us-east-1', handler('us-east-1'));
    router = await startRouter({
      geodes: [eu, us].map((geode) => ({ region: geode.region, url: geode.url })),
      preferences: { DE: ['eu-west-1', 'us-east-1'] },
      health: {
        intervalMs: 50,
        timeoutMs: 200,
        failuresToDown: 1,
        successesToUp: 1,
        maxLagMs: 1_000,
      },
    });
  });
  afterAll(async () => {
    await router?.close();
    await eu?.close();
    await us?.close();
  });

  const regionFor = async (path: string, country = 'DE') =>
    (await fetch(`${router.url}${path}`, { headers: { 'cf-ipcountry': country } })).headers.get(
      'geode-region',
    );

  it('ranks a geode that reports too much replication or projection lag after the others', async () => {
    eu.health.body = {
      status: 'ok',
      region: 'eu-west-1',
      details: { replication: { status: 'up', lagMs: 30_000 } },
    };
    await waitFor('eu-west-1 lagging', () => router.router.geodes.get('eu-west-1')!.health.lagging);
    expect(await regionFor('/v1/accounts/a/events')).toBe('us-east-1');
    const status = (await (await fetch(`${router.url}/router/status`)).json()) as {
      geodes: Record<string, unknown>[];
    };
    expect(status.geodes[0]).toMatchObject({
      region: 'eu-west-1',
      state: 'up',
      lagging: true,
      lagMs: 30_000,
    });
    eu.health.body = {
      status: 'ok',
      region: 'eu-west-1',
      details: { projections: { status: 'up', lagMs: 20 } },
    };
    await waitFor('eu-west-1 fresh', () => !router.router.geodes.get('eu-west-1')!.health.lagging);
    expect(await regionFor('/v1/accounts/a/events')).toBe('eu-west-1');
  });

  it('takes a geode that answers health for another region out of rotation', async () => {
    eu.health.body = { status: 'ok', region: 'us-east-1' };
    await waitFor('eu-west-1 down', () => !router.router.geodes.get('eu-west-1')!.health.routable);
    expect(await regionFor('/v1/accounts/a/events')).toBe('us-east-1');
    eu.health.body = { status: 'ok', region: 'eu-west-1' };
    await waitFor('eu-west-1 up', () => router.router.geodes.get('eu-west-1')!.health.routable);
  });

  it('learns residency from the Geode-Residency header and keeps the account in those regions', async () => {
    expect(await regionFor('/v1/accounts/hinted/events')).toBe('eu-west-1');
    expect(router.router.residency.allowedRegions('hinted')).toEqual(['us-east-1']);
    expect(await regionFor('/v1/accounts/hinted/events')).toBe('us-east-1');
  });

  it('streams an answer to the client as the geode sends it', async () => {
    const response = await fetch(`${router.url}/v1/stream`);
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(Buffer.from(first.value).toString()).toBe('first part\n');
    release!();
    let rest = '';
    for (let part = await reader.read(); !part.done; part = await reader.read())
      rest += Buffer.from(part.value).toString();
    expect(rest).toBe('second part\n');
  });

  it("stops the geode's answer when the client goes away mid-stream", async () => {
    const client = new AbortController();
    const response = await fetch(`${router.url}/v1/stream`, { signal: client.signal });
    const reader = response.body!.getReader();
    expect(Buffer.from((await reader.read()).value).toString()).toBe('first part\n');
    client.abort();
    await waitFor('the upstream answer cut', () => streamClosedEarly);
    // The router carries on: the geode is not blamed for the client leaving.
    expect(router.router.geodes.get('eu-west-1')!.health.snapshot().consecutiveFailures).toBe(0);
    expect(await regionFor('/v1/accounts/a/events')).toBe('eu-west-1');
  });

  it('passes a large answer to a slow client whole, holding the geode back meanwhile', async () => {
    const socket = connect(Number(new URL(router.url).port), '127.0.0.1');
    socket.write('GET /v1/large HTTP/1.1\r\nHost: router.test\r\nConnection: close\r\n\r\n');
    socket.pause(); // a client that does not read yet: the router's buffers fill up
    await sleep(500);
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.resume();
    await new Promise((resolve) => socket.once('end', resolve));
    const answer = Buffer.concat(received);
    const headEnd = answer.indexOf('\r\n\r\n');
    expect(answer.subarray(0, headEnd).toString()).toMatch(/^HTTP\/1\.1 200 /);
    expect(answer.subarray(headEnd + 4).equals(largeBody())).toBe(true);
    expect(geodeWaits).toBeGreaterThan(0);
  });
});

const LARGE_BYTES = 16 * 1024 * 1024;
let large: Buffer | undefined;
function largeBody(): Buffer {
  if (large === undefined) {
    large = Buffer.allocUnsafe(LARGE_BYTES);
    for (let index = 0; index < LARGE_BYTES; index++) large[index] = index % 251;
  }
  return large;
}

/** A 16 MiB answer with a Content-Length, written as fast as the reader takes it. */
function sendLarge(res: ServerResponse, onWait: () => void): void {
  const body = largeBody();
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
  let offset = 0;
  const writeMore = () => {
    while (offset < body.length) {
      const chunk = body.subarray(offset, offset + 64 * 1024);
      offset += chunk.length;
      if (!res.write(chunk)) {
        onWait();
        res.once('drain', writeMore);
        return;
      }
    }
    res.end();
  };
  writeMore();
}
