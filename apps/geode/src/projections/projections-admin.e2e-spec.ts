import { Global, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AddressInfo } from 'node:net';
import { createGeodeDataSource, DatabaseModule, runMigrations } from '@geode/database';
import { EVENT_STORE, type EventStore } from '@geode/event-store';
import { MetricsModule } from '@geode/observability';
import { PROJECTION_PROGRESS, PROJECTIONS, type ProjectionProgress } from '@geode/projections';
import { CountingProjection } from '../../../../libs/projections/src/testing/counting-projection';
import {
  deposit,
  stream,
} from '../../../../libs/event-store/src/testing/postgres-event-store.factory';
import { eventually, sleep } from '../../../../libs/event-store/src/testing/eventually';
import { EventStoreModule } from '@geode/event-store';
import { loadOperatorAuthConfig, OperatorAuthModule } from '@geode/operator-auth';
import {
  operatorAuthorization,
  TEST_OPERATOR_TOKENS,
} from '../../../../libs/operator-auth/src/testing';
import { startGeodeApp } from '../../../../test/support/geode-app';
import { createTestDatabase, TestDatabase } from '../../../../test/support/test-postgres';
import { geodeMigrations } from '../geode-migrations';
import { ProjectionsModule } from './projections.module';

jest.setTimeout(60_000);

const counting = new CountingProjection();

@Global()
@Module({ providers: [{ provide: PROJECTIONS, useValue: [counting] }], exports: [PROJECTIONS] })
class TestProjectionsModule {}

@Module({})
class AppUnderTest {}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- asserted field by field below
type Json = any;

/** Operator routes need the operator's token (ADR 0014). */
const adminFetch = (input: string, init: RequestInit = {}) =>
  fetch(input, {
    ...init,
    headers: { ...(init.headers as Record<string, string>), ...operatorAuthorization() },
  });

async function json(response: Response): Promise<{ status: number; type: string; body: Json }> {
  return {
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    body: (await response.json()) as Json,
  };
}

describe('Projections admin API (Nest wiring, real store and database)', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let url: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    const migrate = createGeodeDataSource({
      url: db.url,
      migrations: geodeMigrations,
      poolSize: 2,
    });
    await migrate.initialize();
    await runMigrations(migrate).finally(() => migrate.destroy());
    app = await NestFactory.create<NestExpressApplication>(
      {
        module: AppUnderTest,
        imports: [
          MetricsModule.forRoot({ region: 'eu-west-1' }),
          DatabaseModule.forRoot({ url: db.url, migrations: geodeMigrations }),
          EventStoreModule.forRoot({ url: db.url, region: 'eu-west-1', sequencer: false }),
          TestProjectionsModule,
          ProjectionsModule.forRoot({ url: db.url }),
          OperatorAuthModule.forRoot(
            loadOperatorAuthConfig({ GEODE_OPERATOR_TOKENS: TEST_OPERATOR_TOKENS }),
          ),
        ],
      },
      { logger: false },
    );
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('runs the provided projections once the app is up, and serves progress', async () => {
    const store = app.get<EventStore>(EVENT_STORE);
    await store.append(stream(), [deposit('3'), deposit('4')], { expectedRevision: 'no_stream' });
    // Readable once no older transaction runs (the runner may be creating its tables).
    const last = await eventually(
      'appended events readable',
      async () => (await store.readAll()).at(1)?.checkpoint,
    );
    const progress = app.get<ProjectionProgress>(PROJECTION_PROGRESS);
    expect(await progress.waitUntilApplied('counting', last, 10_000)).toBe(true);
    const { status, body } = await json(await adminFetch(`${url}/admin/v1/projections`));
    expect(status).toBe(200);
    expect(body.projections).toEqual([
      expect.objectContaining({
        name: 'counting',
        status: 'running',
        active: true,
        checkpoint: last,
        lag: { events: 0, seconds: 0 },
        deadLetters: 0,
      }),
    ]);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain(
      'geode_projection_lag_events{projection="counting",region="eu-west-1"} 0',
    );
    expect(metrics).toMatch(
      /geode_projection_events_total\{projection="counting",mode="live",region="eu-west-1"\} 2/,
    );
  });

  it('rebuilds on request: 202 with a location to poll, 409 while it runs', async () => {
    counting.afterWrite = async (_events, ctx) => {
      if (ctx.mode === 'rebuild') await sleep(300);
    };
    const started = await adminFetch(`${url}/admin/v1/projections/counting/rebuild`, {
      method: 'POST',
    });
    expect(started.status).toBe(202);
    expect(started.headers.get('location')).toBe('/admin/v1/projections/counting');
    expect(((await started.json()) as Json).rebuild).toMatchObject({ phase: 'requested' });
    const again = await json(
      await adminFetch(`${url}/admin/v1/projections/counting/rebuild`, { method: 'POST' }),
    );
    expect(again).toMatchObject({
      status: 409,
      type: expect.stringContaining('application/problem+json'),
      body: { type: 'rebuild-running', status: 409 },
    });
    const done = await eventually('rebuild done', async (): Promise<Json> => {
      const { body } = await json(await adminFetch(`${url}${started.headers.get('location')}`));
      return body.rebuild?.phase === 'done' ? body : undefined;
    });
    counting.afterWrite = undefined;
    expect(done.rebuild).toMatchObject({ done: 2, total: 2, error: null, etaSeconds: 0 });
  });

  it('resets from a body, and refuses bad bodies and unknown names as problems', async () => {
    const post = (path: string, body: unknown) =>
      adminFetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then(json);
    expect(await post('/admin/v1/projections/counting/reset', { to: 'start' })).toMatchObject({
      status: 200,
      body: { name: 'counting', checkpoint: { txId: '0', position: 0 } },
    });
    for (const bad of [
      {},
      { to: 'end' },
      { to: { txId: 'x', position: 1 } },
      { to: { txId: '1', position: -1 } },
      { to: 'start', more: 1 },
    ]) {
      const answer = await post('/admin/v1/projections/counting/reset', bad);
      expect(answer).toMatchObject({ status: 400, body: { type: 'validation' } });
    }
    expect(await post('/admin/v1/projections/nope/reset', { to: 'start' })).toMatchObject({
      status: 404,
      body: { type: 'not-found' },
    });
    const unknown = await json(await adminFetch(`${url}/admin/v1/projections/nope`));
    expect(unknown).toMatchObject({ status: 404, type: expect.stringContaining('problem+json') });
    const letters = await json(
      await adminFetch(`${url}/admin/v1/projections/counting/dead-letters?limit=10`),
    );
    expect(letters).toMatchObject({ status: 200, body: { name: 'counting', deadLetters: [] } });
    const badPage = await json(
      await adminFetch(`${url}/admin/v1/projections/counting/dead-letters?after=x`),
    );
    expect(badPage).toMatchObject({ status: 400, body: { type: 'validation' } });
  });
});

describe('Projections admin API in the geode app', () => {
  it('lists the projections the geode runs', async () => {
    const geode = await startGeodeApp();
    try {
      const { status, body } = await json(await adminFetch(`${geode.url}/admin/v1/projections`));
      expect(status).toBe(200);
      expect(Array.isArray(body.projections)).toBe(true);
      const missing = await json(
        await adminFetch(`${geode.url}/admin/v1/projections/nope/dead-letters`),
      );
      expect(missing).toMatchObject({ status: 404, body: { type: 'not-found' } });
    } finally {
      await geode.close();
    }
  });
});
