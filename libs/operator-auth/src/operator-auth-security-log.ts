import { Logger } from '@nestjs/common';
import { Counter, type Registry } from 'prom-client';

/** A refused operator request, for the security log: never the token itself. */
export interface OperatorRefusal {
  code: string;
  reason: string;
  remoteAddress?: string;
  method: string;
  path: string;
}

export interface OperatorAuthSecurityLog {
  refused(refusal: OperatorRefusal): void;
}

/**
 * Refusals go to the app's log as warnings tagged `security`, and to
 * `geode_operator_auth_refusals_total{type}`, for alerting on token guessing
 * and on tools left with an old token.
 */
export class LoggingOperatorAuthSecurityLog implements OperatorAuthSecurityLog {
  private readonly logger = new Logger('OperatorAuth');
  private readonly refusals: Counter<'type'>;

  constructor(registry?: Registry) {
    this.refusals = new Counter({
      name: 'geode_operator_auth_refusals_total',
      help: 'Requests to operator routes refused, by problem type',
      labelNames: ['type'],
      registers: registry ? [registry] : [],
    });
  }

  refused(refusal: OperatorRefusal): void {
    this.refusals.inc({ type: refusal.code });
    this.logger.warn({ security: 'operator-refused', ...refusal }, 'operator request refused');
  }
}
