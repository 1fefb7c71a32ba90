import type { ExecutionContext } from '@nestjs/common';
import { ProblemException } from '@geode/problem-details';
import { PeerAuthGuard, authenticatedPeer } from './peer-auth.guard';
import { PeerAuthenticationError } from './peer-authentication-error';
import type { PeerRequest, PeerRequestAuthenticator } from './peer-request-authenticator';

function guardWith(outcome: () => { region: string }) {
  const calls: PeerRequest[] = [];
  const authenticator = {
    challenge: 'GEODE-HMAC-SHA256-V1',
    authenticate: (request: PeerRequest) => {
      calls.push(request);
      return outcome();
    },
  } as unknown as PeerRequestAuthenticator;
  return { guard: new PeerAuthGuard(authenticator), calls };
}

const contextOf = (request: object) =>
  ({ switchToHttp: () => ({ getRequest: () => request }) }) as unknown as ExecutionContext;

describe('PeerAuthGuard', () => {
  it('lets an authenticated peer through and records it on the request', () => {
    const { guard } = guardWith(() => ({ region: 'us-east-1' }));
    const request = {} as PeerRequest;
    expect(guard.canActivate(contextOf(request))).toBe(true);
    expect(authenticatedPeer(request)).toEqual({ region: 'us-east-1' });
  });

  it('authenticates a request once, however often it is asked (a signature is spent on first use)', () => {
    const { guard, calls } = guardWith(() => ({ region: 'us-east-1' }));
    const request = {} as PeerRequest;
    guard.canActivate(contextOf(request));
    expect(guard.regionOf(request)).toBe('us-east-1');
    expect(calls).toHaveLength(1);
  });

  it('turns a refusal into its problem, with a challenge on 401', () => {
    const { guard } = guardWith(() => {
      throw new PeerAuthenticationError(
        'peer-authentication-failed',
        'replayed',
        'already received',
      );
    });
    const headers: Record<string, string> = {};
    const request = {
      res: { setHeader: (name: string, value: string) => (headers[name] = value) },
    };
    let thrown: unknown;
    try {
      guard.canActivate(contextOf(request));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ProblemException);
    expect((thrown as ProblemException).problem()).toEqual({
      type: 'peer-authentication-failed',
      title: 'Unauthorized',
      status: 401,
      detail: 'already received',
    });
    expect(headers).toEqual({ 'WWW-Authenticate': 'GEODE-HMAC-SHA256-V1' });
  });

  it('says a route is not guarded when no peer was authenticated', () => {
    expect(() => authenticatedPeer({})).toThrow(/guard the route with PeerAuthGuard/);
  });
});
