import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { WallClock } from '@geode/clock';
import { PeerAuthenticationError } from './peer-authentication-error';
import { isRegionId } from './peer-region';
import { ReplayCache } from './replay-cache';
import {
  computeSignature,
  NONCE_HEADER,
  PEER_HEADER,
  sha256Hex,
  SIGNATURE_HEADER,
  SIGNATURE_WINDOW_MS,
  TIMESTAMP_HEADER,
} from './request-signature';

const SIGNATURE_HEADERS = [PEER_HEADER, TIMESTAMP_HEADER, NONCE_HEADER, SIGNATURE_HEADER];

/** The parts of an incoming request a signature covers. */
export interface SignedRequest {
  headers: IncomingHttpHeaders;
  method: string;
  path: string;
  body: Uint8Array;
}

export interface SignedRequestVerifierOptions {
  replays?: ReplayCache;
  /** How far a timestamp may be from this geode's clock; default 5 minutes. */
  windowMs?: number;
  /** Compares two 32-byte MACs; `timingSafeEqual` unless a test watches it. */
  equal?: (a: Buffer, b: Buffer) => boolean;
}

interface SignatureHeaders {
  caller: string;
  timestampSeconds: number;
  nonce: string;
  signature: Buffer;
}

/** Whether the caller tried signed-request authentication at all. */
export function hasSignatureHeaders(headers: IncomingHttpHeaders): boolean {
  return SIGNATURE_HEADERS.some((name) => headers[name] !== undefined);
}

/**
 * Checks `Geode-Signature` on requests from peers: well-formed headers, a
 * timestamp inside the window, an HMAC made with the caller's pairwise key
 * (compared in constant time, against every key the peer has during a
 * rotation), and a signature not seen before. Answers the caller's region.
 */
export class SignedRequestVerifier {
  /** Stands in for the key of an unknown caller, so an unknown region costs the same work as a known one. */
  private readonly decoyKey = randomBytes(32);

  private readonly replays: ReplayCache;
  private readonly windowMs: number;
  private readonly equal: (a: Buffer, b: Buffer) => boolean;

  constructor(
    private readonly ownRegion: string,
    private readonly keys: ReadonlyMap<string, readonly Buffer[]>,
    private readonly clock: WallClock,
    options: SignedRequestVerifierOptions = {},
  ) {
    this.replays = options.replays ?? new ReplayCache();
    this.windowMs = options.windowMs ?? SIGNATURE_WINDOW_MS;
    this.equal = options.equal ?? timingSafeEqual;
  }

  verify(request: SignedRequest): string {
    const headers = parseSignatureHeaders(request.headers);
    const context = { claimedRegion: headers.caller };
    const nowMs = this.clock.nowMs();
    const timestampMs = headers.timestampSeconds * 1000;
    if (Math.abs(nowMs - timestampMs) > this.windowMs)
      throw new PeerAuthenticationError(
        'peer-authentication-failed',
        'stale-timestamp',
        `Geode-Timestamp is more than ${this.windowMs / 1000} s away from this geode's clock`,
        context,
      );
    const fields = {
      caller: headers.caller,
      receiver: this.ownRegion,
      method: request.method,
      path: request.path,
      timestampSeconds: headers.timestampSeconds,
      nonce: headers.nonce,
      bodySha256: sha256Hex(request.body),
    };
    const known = this.keys.get(headers.caller);
    let matches = false;
    for (const key of known ?? [this.decoyKey]) {
      // No early exit: every key is compared, each in constant time.
      if (this.equal(computeSignature(key, fields), headers.signature)) matches = true;
    }
    if (!known || !matches)
      throw new PeerAuthenticationError(
        'peer-authentication-failed',
        known ? 'bad-signature' : 'unknown-peer',
        'Geode-Signature does not verify for this request',
        context,
      );
    const verdict = this.replays.remember(
      `${headers.caller} ${headers.signature.toString('base64url')}`,
      timestampMs + this.windowMs,
      nowMs,
    );
    if (verdict === 'replayed')
      throw new PeerAuthenticationError(
        'peer-authentication-failed',
        'replayed',
        'this signed request was already received (replay)',
        context,
      );
    if (verdict === 'full')
      throw new PeerAuthenticationError(
        'peer-authentication-unavailable',
        'replay-cache-full',
        'too many signed requests in the last minutes; retry later',
        context,
      );
    return headers.caller;
  }
}

function parseSignatureHeaders(headers: IncomingHttpHeaders): SignatureHeaders {
  const caller = single(headers, PEER_HEADER);
  const claim = caller !== undefined && isRegionId(caller) ? { claimedRegion: caller } : {};
  const malformed = (what: string) =>
    new PeerAuthenticationError('peer-authentication-failed', 'malformed-headers', what, claim);
  if (caller === undefined || !isRegionId(caller))
    throw malformed('Geode-Peer must be one region id');
  const timestamp = single(headers, TIMESTAMP_HEADER);
  if (timestamp === undefined || !/^\d{1,12}$/.test(timestamp))
    throw malformed('Geode-Timestamp must be one Unix time in whole seconds');
  const nonce = single(headers, NONCE_HEADER);
  if (nonce === undefined || !/^[A-Za-z0-9_-]{16,64}$/.test(nonce))
    throw malformed('Geode-Nonce must be 16 to 64 base64url characters');
  const signature = single(headers, SIGNATURE_HEADER);
  // 43 base64url characters are exactly 32 bytes: timingSafeEqual then never sees a length mismatch.
  if (signature === undefined || !/^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/.test(signature))
    throw malformed('Geode-Signature must be an HMAC-SHA256 in base64url (43 characters)');
  return {
    caller,
    timestampSeconds: Number(timestamp),
    nonce,
    signature: Buffer.from(signature, 'base64url'),
  };
}

/** A header given once (Node joins repeated custom headers with ", ", which no valid value contains). */
function single(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return typeof value === 'string' ? value : undefined;
}
