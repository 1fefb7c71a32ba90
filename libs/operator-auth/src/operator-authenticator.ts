import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { OperatorAuthConfig, OperatorCredential } from './operator-auth-config';
import type { OperatorAuthSecurityLog } from './operator-auth-security-log';
import { OperatorAuthenticationError } from './operator-authentication-error';
import { hasOperatorTokenSyntax, operatorTokenDigest } from './operator-token';

/** The operator a request was authenticated as; set on the request by `OperatorGuard`. */
export interface AuthenticatedOperator {
  name: string;
}

/** What the authenticator reads of a request: Express's request satisfies it. */
export interface OperatorRequest {
  method: string;
  originalUrl: string;
  headers: IncomingHttpHeaders;
  socket?: { remoteAddress?: string };
}

/** The `WWW-Authenticate` value of a 401 (RFC 6750). */
export const OPERATOR_CHALLENGE = 'Bearer';

const BEARER = /^Bearer +(\S+)$/i;

/**
 * Decides which operator a request comes from (ADR 0014): one
 * `Authorization: Bearer <token>` header whose SHA-256 matches a configured
 * digest. Every digest is compared, in constant time, whatever matched
 * first, so timing reveals neither which token nor how many exist. Every
 * refusal is logged as a security event.
 */
export class OperatorAuthenticator {
  constructor(
    private readonly config: OperatorAuthConfig,
    private readonly log: OperatorAuthSecurityLog,
  ) {}

  get configured(): boolean {
    return this.config.credentials.length > 0;
  }

  authenticate(request: OperatorRequest): AuthenticatedOperator {
    try {
      return { name: this.check(request.headers) };
    } catch (error) {
      if (error instanceof OperatorAuthenticationError)
        this.log.refused({
          code: error.code,
          reason: error.reason,
          remoteAddress: request.socket?.remoteAddress,
          method: request.method,
          path: request.originalUrl.split('?')[0],
        });
      throw error;
    }
  }

  private check(headers: IncomingHttpHeaders): string {
    if (!this.configured)
      throw new OperatorAuthenticationError(
        'operator-authentication-not-configured',
        'not-configured',
        'operator routes are disabled: this geode has no operator tokens (GEODE_OPERATOR_TOKENS)',
      );
    const header = headers.authorization;
    if (header === undefined || header === '')
      throw new OperatorAuthenticationError(
        'operator-authentication-required',
        'no-header',
        'this is an operator route: send Authorization: Bearer <operator token>',
      );
    const token = BEARER.exec(header)?.[1];
    if (token === undefined || !hasOperatorTokenSyntax(token))
      throw new OperatorAuthenticationError(
        'operator-authentication-failed',
        'malformed-header',
        'the Authorization header must be "Bearer <operator token>"',
      );
    const name = matchingOperator(this.config.credentials, operatorTokenDigest(token));
    if (name === undefined)
      throw new OperatorAuthenticationError(
        'operator-authentication-failed',
        'unknown-token',
        'the operator token is not valid',
      );
    return name;
  }
}

/** The operator whose digest equals `digest`; every credential is compared, with no early exit. */
function matchingOperator(
  credentials: readonly OperatorCredential[],
  digest: Buffer,
): string | undefined {
  let match: string | undefined;
  for (const credential of credentials)
    if (timingSafeEqual(credential.digest, digest) && match === undefined) match = credential.name;
  return match;
}
