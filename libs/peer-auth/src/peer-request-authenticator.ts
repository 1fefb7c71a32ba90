import type { IncomingHttpHeaders } from 'node:http';
import type { WallClock } from '@geode/clock';
import { allowsUsage, CLIENT_AUTH_OID, regionOfCertificate } from './certificate-identity';
import { PeerAuthConfig, usesHmac, usesMtls } from './peer-auth-config';
import { PeerAuthenticationError } from './peer-authentication-error';
import { ReplayCache } from './replay-cache';
import { PEER_HEADER, SIGNATURE_SCHEME } from './request-signature';

/** 401 challenge when a client certificate is what is missing (no registered scheme exists for it). */
export const MTLS_CHALLENGE = 'Geode-mTLS';
import { hasSignatureHeaders, SignedRequestVerifier } from './signed-request-verifier';

/** The peer a request was authenticated as; set on the request by `PeerAuthGuard`. */
export interface AuthenticatedPeer {
  region: string;
}

/** What the authenticator reads of a request: Express's request satisfies it. */
export interface PeerRequest {
  method: string;
  /** Path with query as received (Express's `originalUrl`). */
  originalUrl: string;
  headers: IncomingHttpHeaders;
  /** The body's bytes as read by the JSON parser (after Content-Encoding), when there was one. */
  rawBody?: Buffer;
  socket: {
    remoteAddress?: string;
    /** Present on TLS sockets: the client certificate chains to the CA. */
    authorized?: boolean;
    authorizationError?: Error | string | null;
    getPeerCertificate?: () => {
      subjectaltname?: string;
      ext_key_usage?: string[];
      raw?: Buffer;
    } | null;
  };
}

/** A refused request, for the security log: who it claimed to be and where it came from. */
export interface PeerRefusal {
  code: string;
  reason: string;
  claimedRegion?: string;
  certificateRegion?: string;
  remoteAddress?: string;
  method: string;
  path: string;
}

export interface PeerAuthSecurityLog {
  refused(refusal: PeerRefusal): void;
}

/**
 * Decides whether a request comes from a configured peer, in the configured
 * mode (ADR 0009): the client certificate (chained to the CA, naming a peer
 * region, allowed for client use), the request signature, or both, which must
 * then name the same region. Every refusal is logged as a security event.
 */
export class PeerRequestAuthenticator {
  private readonly verifier: SignedRequestVerifier;
  private readonly peers: ReadonlySet<string>;

  constructor(
    ownRegion: string,
    private readonly config: PeerAuthConfig,
    clock: WallClock,
    private readonly log: PeerAuthSecurityLog,
    replays: ReplayCache = new ReplayCache(),
  ) {
    this.peers = new Set(config.peers);
    this.verifier = new SignedRequestVerifier(ownRegion, config.keys, clock, { replays });
  }

  /** The `WWW-Authenticate` value of a 401: the scheme a caller should use. */
  get challenge(): string {
    return usesHmac(this.config.mode) ? SIGNATURE_SCHEME : MTLS_CHALLENGE;
  }

  authenticate(request: PeerRequest): AuthenticatedPeer {
    try {
      return { region: this.decide(request) };
    } catch (error) {
      if (error instanceof PeerAuthenticationError)
        this.log.refused({
          code: error.code,
          reason: error.reason,
          ...error.context,
          remoteAddress: request.socket.remoteAddress,
          method: request.method,
          path: request.originalUrl,
        });
      throw error;
    }
  }

  private decide(request: PeerRequest): string {
    const { mode } = this.config;
    const claimed = claimedRegion(request.headers);
    if (mode === 'none')
      throw new PeerAuthenticationError(
        'peer-authentication-not-configured',
        'not-configured',
        'this geode has no peer authentication configured, so it serves no peer',
        { claimedRegion: claimed },
      );
    const certificateRegion = usesMtls(mode) ? this.certificateRegion(request, claimed) : undefined;
    // With both required, a request without a certificate is refused before its signature is spent.
    if (mode === 'mtls+hmac' && !certificateRegion) throw bothRequired('no-certificate', claimed);
    const signedRegion = usesHmac(mode) ? this.signedRegion(request, certificateRegion) : undefined;
    if (mode === 'mtls+hmac' && !signedRegion)
      throw bothRequired('no-signature', claimed, certificateRegion);
    const region = certificateRegion ?? signedRegion;
    if (!region)
      throw new PeerAuthenticationError(
        'peer-authentication-required',
        'no-credentials',
        usesMtls(mode)
          ? 'peer requests need a client certificate'
          : 'peer requests need a Geode-Signature',
        { claimedRegion: claimed },
      );
    if (claimed !== undefined && claimed !== region)
      throw new PeerAuthenticationError(
        'peer-identity-mismatch',
        'claim-differs',
        'Geode-Peer does not match the authenticated identity',
        { claimedRegion: claimed, certificateRegion },
      );
    if (!this.peers.has(region))
      throw new PeerAuthenticationError(
        'peer-not-allowed',
        'not-a-peer',
        'the authenticated region is not a peer of this geode',
        { claimedRegion: claimed, certificateRegion },
      );
    return region;
  }

  /** The region the client certificate names, undefined when there is none; refuses an untrusted one. */
  private certificateRegion(request: PeerRequest, claimed: string | undefined): string | undefined {
    const { socket } = request;
    const certificate = socket.getPeerCertificate?.();
    if (!certificate || !certificate.raw) return undefined;
    if (socket.authorized !== true || !allowsUsage(certificate.ext_key_usage, CLIENT_AUTH_OID))
      throw new PeerAuthenticationError(
        'peer-authentication-failed',
        socket.authorized === true
          ? 'certificate-not-for-clients'
          : `untrusted-certificate:${String(socket.authorizationError ?? 'unknown')}`,
        'the client certificate is not trusted by this geode',
        { claimedRegion: claimed },
      );
    const region = regionOfCertificate(certificate.subjectaltname);
    if (!region)
      throw new PeerAuthenticationError(
        'peer-not-allowed',
        'certificate-names-no-region',
        'the client certificate names no geode region',
        { claimedRegion: claimed },
      );
    return region;
  }

  private signedRegion(
    request: PeerRequest,
    certificateRegion: string | undefined,
  ): string | undefined {
    if (!hasSignatureHeaders(request.headers)) return undefined;
    const body = request.rawBody ?? Buffer.alloc(0);
    if (!request.rawBody && hasBody(request.headers))
      throw new PeerAuthenticationError(
        'peer-authentication-failed',
        'unsigned-body',
        'only JSON request bodies can be signed',
        { claimedRegion: claimedRegion(request.headers), certificateRegion },
      );
    try {
      return this.verifier.verify({
        headers: request.headers,
        method: request.method,
        path: request.originalUrl,
        body,
      });
    } catch (error) {
      if (error instanceof PeerAuthenticationError)
        error.context.certificateRegion = certificateRegion;
      throw error;
    }
  }
}

function bothRequired(
  reason: string,
  claimed: string | undefined,
  certificateRegion?: string,
): PeerAuthenticationError {
  return new PeerAuthenticationError(
    'peer-authentication-required',
    reason,
    'peer requests need both a client certificate and a Geode-Signature',
    { claimedRegion: claimed, certificateRegion },
  );
}

function claimedRegion(headers: IncomingHttpHeaders): string | undefined {
  const value = headers[PEER_HEADER];
  return typeof value === 'string' ? value.slice(0, 63) : undefined;
}

function hasBody(headers: IncomingHttpHeaders): boolean {
  return headers['transfer-encoding'] !== undefined || Number(headers['content-length']) > 0;
}
