import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'undici';
import { DevCertificates, makeDevCertificates } from '../../../libs/peer-auth/src/testing';
import { createTestDatabase, TestDatabase } from '../../../test/support/test-postgres';
import { GEODE_MAIN, runGeodeToExit } from '../../../test/support/geode-process';
import { plainTlsAgent } from './peer-auth-geode';

jest.setTimeout(120_000);

const cleanEnv = (extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  LOG_LEVEL: 'warn',
  ...extra,
});

describe('the geode process with peer authentication', () => {
  let certs: DevCertificates;
  beforeAll(() => {
    certs = makeDevCertificates(['eu-west-1', 'us-east-1']);
  });
  afterAll(() => certs?.remove());

  it.each([
    [
      'mtls without TLS material',
      { GEODE_PEER_AUTH: 'mtls' },
      /^geode: GEODE_TLS_CERT and GEODE_TLS_KEY are required with GEODE_PEER_AUTH=mtls$/,
    ],
    [
      'a short peer key',
      { GEODE_PEER_KEYS: 'us-east-1=c2hvcnQ=' },
      /^geode: GEODE_PEER_KEYS entry 1 \(us-east-1\) must be a base64 key of at least 32 bytes$/,
    ],
    [
      'the certificate of another region',
      () => ({
        GEODE_TLS_CERT: certs.certPath('us-east-1'),
        GEODE_TLS_KEY: certs.keyPath('us-east-1'),
        GEODE_TLS_CA: certs.caPath,
        GEODE_PEER_REGIONS: 'us-east-1',
      }),
      /^geode: GEODE_TLS_CERT is the certificate of region us-east-1, not of this geode's region eu-west-1$/,
    ],
  ])('refuses %s with one line', async (_case, env, message) => {
    const result = await runGeodeToExit(
      ['--region', 'eu-west-1'],
      cleanEnv(typeof env === 'function' ? env() : env),
    );
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(message);
  });

  describe('with TLS configured', () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createTestDatabase();
    });
    afterAll(() => database?.drop());

    it('serves HTTPS and says so', async () => {
      const child = spawn(process.execPath, [GEODE_MAIN, '--region', 'eu-west-1', '--port', '0'], {
        env: cleanEnv({
          DATABASE_URL: database.url,
          GEODE_TLS_CERT: certs.certPath('eu-west-1'),
          GEODE_TLS_KEY: certs.keyPath('eu-west-1'),
          GEODE_TLS_CA: certs.caPath,
          GEODE_PEER_REGIONS: 'us-east-1',
        }),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const agent = plainTlsAgent(certs.ca);
      try {
        let stdout = '';
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        const url = await new Promise<string>((resolve, reject) => {
          child.stdout.on('data', (chunk: Buffer) => {
            stdout += chunk.toString();
            const found = /listening on (https:\/\/\S+)/.exec(stdout);
            if (found) resolve(found[1]);
          });
          child.once('exit', (code) => reject(new Error(`geode exited (${code})\n${stderr}`)));
        });
        const response = await request(`${url}/health`, { dispatcher: agent });
        await response.body.dump();
        expect(response.statusCode).toBe(200);
      } finally {
        await agent.close();
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
      }
    });
  });
});
