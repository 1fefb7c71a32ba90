import { Logger } from '@nestjs/common';
import { Counter, type Registry } from 'prom-client';
import type { PeerAuthSecurityLog, PeerRefusal } from './peer-request-authenticator';

/**
 * Refusals go to the app's log as warnings tagged `security`, and to
 * `geode_peer_auth_refusals_total{type}`, for alerting on probes and on
 * misconfigured peers.
 */
export class LoggingPeerAuthSecurityLog implements PeerAuthSecurityLog {
  private readonly logger = new Logger('PeerAuth');
  private readonly refusals: Counter<'type'>;

  constructor(registry?: Registry) {
    this.refusals = new Counter({
      name: 'geode_peer_auth_refusals_total',
      help: 'Requests to peer-only routes refused, by problem type',
      labelNames: ['type'],
      registers: registry ? [registry] : [],
    });
  }

  refused(refusal: PeerRefusal): void {
    this.refusals.inc({ type: refusal.code });
    this.logger.warn({ security: 'peer-refused', ...refusal }, 'peer request refused');
  }
}
