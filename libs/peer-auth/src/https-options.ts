import type { TlsMaterial } from './peer-auth-config';

/** The options of Node's https server that a geode sets. */
export interface GeodeHttpsOptions {
  cert: string;
  key: string;
  minVersion: 'TLSv1.2';
  ca?: string;
  requestCert?: boolean;
  rejectUnauthorized?: boolean;
}

/**
 * How a geode serves HTTPS. With a CA it asks every client for a certificate
 * but does not demand one at the TLS layer: users of the public API have none.
 * Whether a certificate is good enough is `PeerAuthGuard`'s decision, on peer routes only.
 */
export function httpsOptionsFor(tls: TlsMaterial): GeodeHttpsOptions {
  return {
    cert: tls.cert,
    key: tls.key,
    minVersion: 'TLSv1.2',
    ...(tls.ca && { ca: tls.ca, requestCert: true, rejectUnauthorized: false }),
  };
}
