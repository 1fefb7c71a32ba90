import { randomUUID } from 'node:crypto';
import { AddressInfo } from 'node:net';
import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  DynamicModule,
  HttpCode,
  Param,
  Patch,
  Post,
  Res,
} from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import type { Response } from 'express';
import { Client } from 'pg';
import { RunningGeode, startGeodeApp } from '../../../test/support/geode-app';
import { createTestDatabase, TestDatabase } from '../../../test/support/test-postgres';
import { GeodeModule, GeodeModuleOptions } from '../src/geode.module';
import { IdempotencyModule, IdempotencyOptions } from '../src/http';
import { requestHash } from '../src/http/idempotency-request';

jest.setTimeout(60_000);

/**
 * Handler runs, counted across apps: a restarted app must not run a request again.
 * `slowGate` holds `POST /probe/slow` until the test opens it.
 */
const calls = { orders: 0, items: 0, refusals: 0, failures: 0, slow: 0, patches: 0, deletes: 0 };
let slowGate: { entered: () => void; released: Promise<void> } | undefined;

/** Routes standing in for the account API: each answers like a command endpoint does. */
@Controller('probe')
class ProbeController {
  @Post('orders')
  order(@Body() body: unknown, @Res({ passthrough: true }) res: Response) {
    const n = (calls.orders += 1);
    res.setHeader('Geode-Session', `session-${n}-${randomUUID()}`);
    res.location(`/probe/orders/${n}`);
    return { order: n, id: randomUUID(), received: body };
  }

  @Post('items/:id')
  item(@Param('id') id: string) {
    return { item: id, run: (calls.items += 1) };
  }

  @Post('refusals')
  refuse(): never {
    throw new BadRequestException(`refusal number ${(calls.refusals += 1)}`);
  }

  @Post('failures')
  fail(): never {
    calls.failures += 1;
    throw new Error('the store went away');
  }

  @Post('slow')
  async slow() {
    const n = (calls.slow += 1);
    const gate = slowGate;
    slowGate = undefined;
    if (gate) {
      gate.entered();
      await gate.released;
    }
    return { slow: n };
  }

  @Patch('orders/:id')
  @HttpCode(200)
  patch(@Param('id') id: string, @Body() body: unknown) {
    return { order: id, patched: (calls.patches += 1), body };
  }

  @Delete('orders/:id')
  @HttpCode(204)
  remove(): void {
    calls.deletes += 1;
  }
}

/** Arms the gate of the next `POST /probe/slow`: `entered` resolves once its handler waits. */
function armSlowGate(): { entered: Promise<void>; open: () => void } {
  let entered!: () => void;
  let open!: () => void;
  const enteredPromise = new Promise<void>((resolve) => (entered = resolve));
  slowGate = { entered, released: new Promise<void>((resolve) => (open = resolve)) };
  return { entered: enteredPromise, open };
}

/**
 * The geode app exactly as `createGeodeApp` builds it (filter, request limits,
 * create options), with the probe routes and the idempotency module in its
 * root module. GeodeModule.forRoot is wrapped only while the app is created.
 */
async function withProbe<T>(options: IdempotencyOptions, create: () => Promise<T>): Promise<T> {
  const forRoot = GeodeModule.forRoot.bind(GeodeModule);
  const spy = jest
    .spyOn(GeodeModule, 'forRoot')
    .mockImplementation((moduleOptions: GeodeModuleOptions): DynamicModule => {
      const module = forRoot(moduleOptions);
      // Once GeodeModule imports IdempotencyModule itself, these tests' options replace its own.
      const imports = (module.imports ?? []).filter(
        (imported) => (imported as DynamicModule).module !== IdempotencyModule,
      );
      return {
        ...module,
        imports: [...imports, IdempotencyModule.forRoot(options)],
        controllers: [...(module.controllers ?? []), ProbeController],
      };
    });
  try {
    return await create();
  } finally {
    spy.mockRestore();
  }
}

/** Another app on an existing database (a restart). */
async function startGeodeOn(database: TestDatabase): Promise<NestExpressApplication> {
  return (await startGeodeApp('eu-west-1', database)).app;
}

const urlOf = (app: NestExpressApplication) =>
  `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: Record<string, unknown> | undefined;
}

async function send(
  baseUrl: string,
  method: string,
  path: string,
  options: { key?: string; body?: unknown; rawBody?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (options.key !== undefined) headers['idempotency-key'] = options.key;
  const body =
    options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body });
  const text = await response.text();
  const json = response.headers.get('content-type')?.includes('json')
    ? (JSON.parse(text) as Record<string, unknown>)
    : undefined;
  return { status: response.status, headers: response.headers, text, json };
}

/** What a replay must repeat exactly. */
const replayable = (answer: Answer) => ({
  status: answer.status,
  text: answer.text,
  contentType: answer.headers.get('content-type'),
  session: answer.headers.get('geode-session'),
  location: answer.headers.get('location'),
});

async function keyRows(database: TestDatabase, key: string): Promise<number> {
  const client = new Client({ connectionString: database.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ count: string }>(
      `SELECT count(*) FROM geode_idempotency_keys WHERE scope LIKE '%' || $1`,
      [` ${key}`],
    );
    return Number(rows[0].count);
  } finally {
    await client.end();
  }
}

async function query(database: TestDatabase, sql: string, params: unknown[]): Promise<void> {
  const client = new Client({ connectionString: database.url });
  await client.connect();
  try {
    await client.query(sql, params);
  } finally {
    await client.end();
  }
}

describe('Idempotency-Key over HTTP', () => {
  let geode: RunningGeode;
  const post = (path: string, options: { key?: string; body?: unknown; rawBody?: string }) =>
    send(geode.url, 'POST', path, options);

  beforeAll(async () => {
    geode = await withProbe({}, () => startGeodeApp('eu-west-1'));
  });
  afterAll(() => geode.close());

  it('runs a keyed POST once and gives a retry the first answer, marked as replayed', async () => {
    const key = randomUUID();
    const before = calls.orders;
    const first = await post('/probe/orders', { key, body: { item: 'tea', quantity: 2 } });
    const retry = await post('/probe/orders', { key, body: { item: 'tea', quantity: 2 } });

    expect(calls.orders).toBe(before + 1);
    expect(first.status).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(first.headers.get('geode-session')).toMatch(/^session-/);
    expect(replayable(retry)).toEqual(replayable(first));
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
  });

  it('treats a body that differs only in member order and whitespace as the same request', async () => {
    const key = randomUUID();
    const first = await post('/probe/orders', { key, rawBody: '{"item":"tea","quantity":2}' });
    const retry = await post('/probe/orders', {
      key,
      rawBody: '{ "quantity" : 2,\n  "item": "tea" }',
    });
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(replayable(retry)).toEqual(replayable(first));
  });

  it('refuses the same key with another body: 422 idempotency-mismatch, and runs nothing', async () => {
    const key = randomUUID();
    await post('/probe/orders', { key, body: { item: 'tea' } });
    const before = calls.orders;
    const other = await post('/probe/orders', { key, body: { item: 'coffee' } });

    expect(calls.orders).toBe(before);
    expect(other.status).toBe(422);
    expect(other.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(other.json).toMatchObject({
      type: 'idempotency-mismatch',
      status: 422,
      instance: '/probe/orders',
    });
  });

  it('scopes a key by method and route: another route runs, another path of one route does not', async () => {
    const key = randomUUID();
    const itemsBefore = calls.items;
    const order = await post('/probe/orders', { key, body: {} });
    const item = await post('/probe/items/a', { key, body: {} });
    expect(order.status).toBe(201);
    expect(item.status).toBe(201);
    expect(item.headers.get('idempotent-replayed')).toBeNull();

    // One route pattern (/probe/items/:id), so one key; another path makes another request.
    const otherItem = await post('/probe/items/b', { key, body: {} });
    expect(otherItem.status).toBe(422);
    expect(otherItem.json?.type).toBe('idempotency-mismatch');
    expect(calls.items).toBe(itemsBefore + 1);
  });

  it('honours the key on PATCH and DELETE too (an empty 204 replays empty)', async () => {
    const key = randomUUID();
    const patches = calls.patches;
    const patched = await send(geode.url, 'PATCH', '/probe/orders/7', { key, body: { note: 'x' } });
    const patchedAgain = await send(geode.url, 'PATCH', '/probe/orders/7', {
      key,
      body: { note: 'x' },
    });
    expect(patched.status).toBe(200);
    expect(replayable(patchedAgain)).toEqual(replayable(patched));
    expect(calls.patches).toBe(patches + 1);

    const deletes = calls.deletes;
    const deleted = await send(geode.url, 'DELETE', '/probe/orders/7', { key });
    const deletedAgain = await send(geode.url, 'DELETE', '/probe/orders/7', { key });
    expect(deleted.status).toBe(204);
    expect(deletedAgain.status).toBe(204);
    expect(deletedAgain.text).toBe('');
    expect(deletedAgain.headers.get('idempotent-replayed')).toBe('true');
    expect(calls.deletes).toBe(deletes + 1);
  });

  it('replays an account opening (POST /v1/accounts): one account, the same headers', async () => {
    const key = randomUUID();
    const body = { owner: { name: 'Ada Lovelace', email: 'ada@example.com' }, currency: 'EUR' };
    const first = await post('/v1/accounts', { key, body });
    const retry = await post('/v1/accounts', { key, body });

    expect(first.status).toBe(201);
    expect(first.headers.get('location')).toMatch(/^\/v1\/accounts\/./);
    expect(first.headers.get('geode-session')).toBeTruthy();
    expect(replayable(retry)).toEqual(replayable(first));
    expect(retry.headers.get('geode-region')).toBe(first.headers.get('geode-region'));
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    const events = (await (
      await fetch(`${geode.url}${first.headers.get('location')}/events`)
    ).json()) as unknown[];
    expect(events).toHaveLength(1);
  });

  it('leaves requests without a key alone', async () => {
    const before = calls.orders;
    const first = await post('/probe/orders', { body: { item: 'tea' } });
    const second = await post('/probe/orders', { body: { item: 'tea' } });
    expect(calls.orders).toBe(before + 2);
    expect(first.json?.id).not.toEqual(second.json?.id);
    expect(second.headers.get('idempotent-replayed')).toBeNull();
  });

  it('answers a retry while the first request still runs with 409 idempotency-in-progress and Retry-After: 1', async () => {
    const key = randomUUID();
    const before = calls.slow;
    const gate = armSlowGate();
    const first = post('/probe/slow', { key, body: { n: 1 } });
    await gate.entered;

    const during = await post('/probe/slow', { key, body: { n: 1 } });
    expect(during.status).toBe(409);
    expect(during.headers.get('retry-after')).toBe('1');
    expect(during.json).toMatchObject({ type: 'idempotency-in-progress', status: 409 });

    gate.open();
    const answered = await first;
    expect(answered.status).toBe(201);
    const after = await post('/probe/slow', { key, body: { n: 1 } });
    expect(replayable(after)).toEqual(replayable(answered));
    expect(calls.slow).toBe(before + 1);
  });

  it('runs the handler once for a burst of identical requests; the others get the replay or 409', async () => {
    const key = randomUUID();
    const before = calls.orders;
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => post('/probe/orders', { key, body: { burst: true } })),
    );

    expect(calls.orders).toBe(before + 1);
    const ran = answers.filter(
      (answer) => answer.status === 201 && !answer.headers.get('idempotent-replayed'),
    );
    expect(ran).toHaveLength(1);
    for (const answer of answers) {
      if (answer === ran[0]) continue;
      if (answer.status === 409) expect(answer.json?.type).toBe('idempotency-in-progress');
      else expect(replayable(answer)).toEqual(replayable(ran[0]));
    }
  });

  it('replays a 4xx problem: a retried bad request gets the same answer', async () => {
    const key = randomUUID();
    const before = calls.refusals;
    const first = await post('/probe/refusals', { key, body: { bad: true } });
    const retry = await post('/probe/refusals', { key, body: { bad: true } });

    expect(first.status).toBe(400);
    expect(first.json).toMatchObject({
      type: 'validation',
      detail: `refusal number ${before + 1}`,
    });
    expect(replayable(retry)).toEqual(replayable(first));
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(calls.refusals).toBe(before + 1);
  });

  it('keeps no claim after a 500: a retry runs the handler again', async () => {
    const key = randomUUID();
    const before = calls.failures;
    const first = await post('/probe/failures', { key, body: {} });
    expect(first.status).toBe(500);
    expect(first.json?.type).toBe('internal');
    expect(await keyRows(geode.database, key)).toBe(0);

    const retry = await post('/probe/failures', { key, body: {} });
    expect(retry.status).toBe(500);
    expect(retry.headers.get('idempotent-replayed')).toBeNull();
    expect(calls.failures).toBe(before + 2);
  });

  it.each([
    ['empty', ''],
    ['201 characters long', 'k'.repeat(201)],
    ['holding a tab', 'a\tb'],
    ['holding a non-ASCII letter', 'caf\u00e9'],
  ])('refuses a key that is %s: 400 validation, handler not run', async (_case, key) => {
    const before = calls.orders;
    const answer = await post('/probe/orders', { key, body: {} });
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({ type: 'validation', status: 400 });
    expect(answer.json?.detail).toMatch(/Idempotency-Key/);
    expect(calls.orders).toBe(before);
  });

  it('accepts a key of 200 printable characters', async () => {
    const answer = await post('/probe/orders', { key: `${' ~'.repeat(99)}ok`, body: {} });
    expect(answer.status).toBe(201);
  });

  describe('a claim whose process died (simulated by a row left in the table)', () => {
    const claimLeftBehind = async (key: string, body: unknown, age: string) =>
      query(
        geode.database,
        `INSERT INTO geode_idempotency_keys (scope, request_hash, created_at)
         VALUES ($1, $2, now() - $3::interval)`,
        [`POST /probe/orders ${key}`, requestHash('POST', '/probe/orders', body), age],
      );

    it('is taken over by the same request once the in-flight lease (60 s) is over', async () => {
      const key = randomUUID();
      await claimLeftBehind(key, { item: 'tea' }, '2 minutes');
      const before = calls.orders;
      const answer = await post('/probe/orders', { key, body: { item: 'tea' } });
      expect(answer.status).toBe(201);
      expect(answer.headers.get('idempotent-replayed')).toBeNull();
      expect(calls.orders).toBe(before + 1);
    });

    it('still answers 409 within the lease, and 422 to another request after it', async () => {
      const fresh = randomUUID();
      await claimLeftBehind(fresh, { item: 'tea' }, '1 second');
      expect((await post('/probe/orders', { key: fresh, body: { item: 'tea' } })).status).toBe(409);

      const stale = randomUUID();
      await claimLeftBehind(stale, { item: 'tea' }, '2 minutes');
      const other = await post('/probe/orders', { key: stale, body: { item: 'coffee' } });
      expect(other.status).toBe(422);
    });
  });
});

describe('Idempotency-Key across a restart', () => {
  let database: TestDatabase;
  let app: NestExpressApplication | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });
  afterAll(() => database.drop());

  it('replays the first answer from a new app on the same database', async () => {
    const key = randomUUID();
    const before = calls.orders;
    app = await withProbe({}, () => startGeodeOn(database));
    const first = await send(urlOf(app), 'POST', '/probe/orders', { key, body: { item: 'tea' } });
    await app.close();

    app = await withProbe({}, () => startGeodeOn(database));
    const retry = await send(urlOf(app), 'POST', '/probe/orders', { key, body: { item: 'tea' } });
    expect(first.status).toBe(201);
    expect(replayable(retry)).toEqual(replayable(first));
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(calls.orders).toBe(before + 1);
  });

  it('moves the money once on a real deposit: the retry on the restarted geode gets the first answer', async () => {
    app = await startGeodeOn(database);
    const opened = await send(urlOf(app), 'POST', '/v1/accounts', {
      body: { owner: { name: 'Grace Hopper' }, currency: 'EUR' },
    });
    const accountId = opened.json!.accountId as string;
    const key = randomUUID();
    const deposit = { key, body: { amount: '500' } };
    const first = await send(urlOf(app), 'POST', `/v1/accounts/${accountId}/deposits`, deposit);
    await app.close();

    app = await startGeodeOn(database);
    const retry = await send(urlOf(app), 'POST', `/v1/accounts/${accountId}/deposits`, deposit);
    expect(first.status).toBe(201);
    expect(replayable(retry)).toEqual(replayable(first));
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    const events = (await send(urlOf(app), 'GET', `/v1/accounts/${accountId}/events`))
      .json as unknown as {
      type: string;
    }[];
    expect(events.filter((event) => event.type === 'ledger.FundsDeposited')).toHaveLength(1);
  });
});

describe('Idempotency-Key retention', () => {
  let geode: RunningGeode;
  beforeAll(async () => {
    geode = await withProbe({ retentionMs: 400, sweepIntervalMs: 100 }, () =>
      startGeodeApp('eu-west-1'),
    );
  });
  afterAll(() => geode.close());

  it('forgets a key after the retention: the sweep deletes it and the key is free again', async () => {
    const key = randomUUID();
    const first = await send(geode.url, 'POST', '/probe/orders', { key, body: { item: 'tea' } });
    expect(first.status).toBe(201);
    expect(await keyRows(geode.database, key)).toBe(1);

    const deadline = Date.now() + 10_000;
    while ((await keyRows(geode.database, key)) > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await keyRows(geode.database, key)).toBe(0);

    const before = calls.orders;
    const later = await send(geode.url, 'POST', '/probe/orders', { key, body: { item: 'coffee' } });
    expect(later.status).toBe(201);
    expect(calls.orders).toBe(before + 1);
  });
});
