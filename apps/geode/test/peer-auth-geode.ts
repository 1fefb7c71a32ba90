import { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { NestExpressApplication } from '@nestjs/platform-express';
import pino from 'pino';
import { Agent, request, type Dispatcher } from 'undici';
import { loadGeodeConfig } from '../src/config/geode-config';
import { createGeodeApp } from '../src/geode.app';
import { prepareGeodeSchema } from '../src/geode-schema';
import { createTestDatabase } from '../../../test/support/test-postgres';

export interface PeerAuthGeode {
  app: NestExpressApplication;
  url: string;
  /** Log lines at warn and above, parsed. */
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

/** The real app, as main.ts builds it, with peer-auth settings in its environment. */
export async function startPeerAuthGeode(
  region: string,
  env: Record<string, string>,
): Promise<PeerAuthGeode> {
  const database = await createTestDatabase();
  const config = loadGeodeConfig({
    ...env,
    GEODE_REGION: region,
    GEODE_PORT: '0',
    LOG_LEVEL: 'warn',
    DATABASE_URL: database.url,
  });
  await prepareGeodeSchema(database.url, config);
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean))
        logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const logger = pino({ level: 'warn' }, sink);
  const app = await createGeodeApp(config, database.url, logger);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    app,
    url: `${config.peerAuth.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    logs,
    close: async () => {
      await app.close();
      await database.drop();
    },
  };
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

/** POSTs `body` (JSON text) to the handshake route with the given dispatcher and headers. */
export async function handshake(
  url: string,
  options: {
    dispatcher?: Dispatcher;
    headers?: Record<string, string>;
    body?: string | Buffer;
    path?: string;
  } = {},
): Promise<Answer> {
  const response = await request(`${url}${options.path ?? '/replication/v1/handshake'}`, {
    method: 'POST',
    dispatcher: options.dispatcher,
    headers: { 'content-type': 'application/json', ...options.headers },
    body: options.body ?? '{}',
  });
  const text = await response.body.text();
  return {
    status: response.statusCode,
    headers: response.headers,
    body: (text ? JSON.parse(text) : {}) as Record<string, unknown>,
  };
}

/** A TLS client trusting `ca`, presenting a certificate only when given one, checking no identity. */
export function plainTlsAgent(ca: string, cert?: string, key?: string): Agent {
  return new Agent({ connect: { ca, cert, key, checkServerIdentity: () => undefined } });
}
