import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { ProblemException } from '@geode/problem-details';
import type { Response } from 'express';
import { PeerAuthenticationError } from './peer-authentication-error';
import {
  AuthenticatedPeer,
  PeerRequest,
  PeerRequestAuthenticator,
} from './peer-request-authenticator';

/** `request.peer`, once the guard has let a request through. */
type WithPeer = { peer?: AuthenticatedPeer };

/**
 * Guards peer-only routes (`/replication/v1/…`): a 401 or 403 problem unless
 * the caller is an authenticated, configured peer; then `request.peer` is
 * `{ region }` (read it with `authenticatedPeer`).
 */
@Injectable()
export class PeerAuthGuard implements CanActivate {
  constructor(
    @Inject(PeerRequestAuthenticator) private readonly authenticator: PeerRequestAuthenticator,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    this.regionOf(context.switchToHttp().getRequest<PeerRequest & WithPeer>());
    return true;
  }

  /**
   * The authenticated peer's region, or a 401/403 problem: for code that
   * authenticates inside a handler instead of through `@UseGuards`. A request
   * already authenticated is not checked again (its signature was spent).
   */
  regionOf(request: PeerRequest & WithPeer): string {
    if (request.peer) return request.peer.region;
    try {
      request.peer = this.authenticator.authenticate(request);
      return request.peer.region;
    } catch (error) {
      if (!(error instanceof PeerAuthenticationError)) throw error;
      if (error.status === 401)
        (request as { res?: Response }).res?.setHeader(
          'WWW-Authenticate',
          this.authenticator.challenge,
        );
      throw new ProblemException(error.status, error.code, error.message);
    }
  }
}

/** The peer `PeerAuthGuard` authenticated; a route that is not guarded is a programming error. */
export function authenticatedPeer(request: unknown): AuthenticatedPeer {
  const peer = (request as WithPeer | null)?.peer;
  if (!peer || typeof peer.region !== 'string')
    throw new Error('no authenticated peer on this request: guard the route with PeerAuthGuard');
  return peer;
}
