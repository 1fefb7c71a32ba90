import { Registry } from 'prom-client';
import { loadOperatorAuthConfig } from './load-operator-auth-config';
import { NO_OPERATOR_AUTH } from './operator-auth-config';
import { LoggingOperatorAuthSecurityLog, type OperatorRefusal } from './operator-auth-security-log';
import { OperatorAuthenticationError } from './operator-authentication-error';
import { OperatorAuthenticator, type OperatorRequest } from './operator-authenticator';

const ALICE = 'alice-token-4fQ9zX2mK7pR1wT8vB3nC6hY0dJ5sL';
const ALICE_NEXT = 'alice-next-Hq8rN2vC5xZ1mT7kP4wB9yL3dF6gJ0';
const BOB = '9c1e7a0b5d2c8e4f6a1b3c5d7e9f0a2b';

const request = (authorization?: string | string[]): OperatorRequest => ({
  method: 'POST',
  originalUrl: '/admin/v1/projections/ledger/rebuild?x=1',
  headers: authorization === undefined ? {} : { authorization: authorization as string },
  socket: { remoteAddress: '10.0.0.9' },
});

function authenticatorWith(env: Record<string, string>) {
  const refusals: OperatorRefusal[] = [];
  const authenticator = new OperatorAuthenticator(loadOperatorAuthConfig(env), {
    refused: (refusal) => refusals.push(refusal),
  });
  return { authenticator, refusals };
}

function refusalOf(authenticate: () => unknown): OperatorAuthenticationError {
  try {
    authenticate();
  } catch (error) {
    if (error instanceof OperatorAuthenticationError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('OperatorAuthenticator', () => {
  const { authenticator, refusals } = authenticatorWith({
    GEODE_OPERATOR_TOKENS: `alice:${ALICE},bob:${BOB},alice:${ALICE_NEXT}`,
  });
  beforeEach(() => (refusals.length = 0));

  it('names the operator whose token is presented, with either of their tokens', () => {
    expect(authenticator.authenticate(request(`Bearer ${ALICE}`))).toEqual({ name: 'alice' });
    expect(authenticator.authenticate(request(`bearer ${ALICE_NEXT}`))).toEqual({ name: 'alice' });
    expect(authenticator.authenticate(request(`Bearer ${BOB}`))).toEqual({ name: 'bob' });
    expect(refusals).toEqual([]);
  });

  it.each([
    [undefined, 'operator-authentication-required', 'no-header', 401],
    ['', 'operator-authentication-required', 'no-header', 401],
    [`Basic ${ALICE}`, 'operator-authentication-failed', 'malformed-header', 401],
    [`Bearer`, 'operator-authentication-failed', 'malformed-header', 401],
    [`Bearer ${ALICE} extra`, 'operator-authentication-failed', 'malformed-header', 401],
    [`Bearer ${ALICE}x`, 'operator-authentication-failed', 'unknown-token', 401],
    [`Bearer ${BOB.toUpperCase()}`, 'operator-authentication-failed', 'unknown-token', 401],
    [`Bearer ${'A'.repeat(600)}`, 'operator-authentication-failed', 'malformed-header', 401],
  ])('refuses Authorization %j as %s, logged without the token', (header, code, reason, status) => {
    const error = refusalOf(() => authenticator.authenticate(request(header)));
    expect([error.code, error.reason, error.status]).toEqual([code, reason, status]);
    expect(refusals).toEqual([
      {
        code,
        reason,
        remoteAddress: '10.0.0.9',
        method: 'POST',
        path: '/admin/v1/projections/ledger/rebuild',
      },
    ]);
    expect(JSON.stringify(refusals) + error.message).not.toContain(ALICE);
  });

  it('refuses everyone, even a well-formed token, when no operator is configured', () => {
    const { authenticator: none, refusals: logged } = authenticatorWith({});
    for (const header of [undefined, `Bearer ${ALICE}`]) {
      const error = refusalOf(() => none.authenticate(request(header)));
      expect([error.code, error.status]).toEqual(['operator-authentication-not-configured', 403]);
    }
    expect(logged.map((refusal) => refusal.reason)).toEqual(['not-configured', 'not-configured']);
    expect(
      new OperatorAuthenticator(NO_OPERATOR_AUTH, { refused: () => undefined }).configured,
    ).toBe(false);
  });

  it('counts refusals by problem type in geode_operator_auth_refusals_total', async () => {
    const registry = new Registry();
    const counted = new OperatorAuthenticator(
      loadOperatorAuthConfig({ GEODE_OPERATOR_TOKENS: `bob:${BOB}` }),
      new LoggingOperatorAuthSecurityLog(registry),
    );
    refusalOf(() => counted.authenticate(request()));
    refusalOf(() => counted.authenticate(request(`Bearer ${ALICE}`)));
    refusalOf(() => counted.authenticate(request(`Bearer ${ALICE}`)));
    const metrics = await registry.metrics();
    expect(metrics).toContain(
      'geode_operator_auth_refusals_total{type="operator-authentication-required"} 1',
    );
    expect(metrics).toContain(
      'geode_operator_auth_refusals_total{type="operator-authentication-failed"} 2',
    );
  });
});
