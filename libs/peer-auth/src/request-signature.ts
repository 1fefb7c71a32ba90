import { createHash, createHmac } from 'node:crypto';

/** Headers of a signed peer request (lower case, as Node hands them over). */
export const PEER_HEADER = 'geode-peer';
export const TIMESTAMP_HEADER = 'geode-timestamp';
export const NONCE_HEADER = 'geode-nonce';
export const SIGNATURE_HEADER = 'geode-signature';

/** How far a request's timestamp may be from the receiver's clock, either way. */
export const SIGNATURE_WINDOW_MS = 5 * 60_000;

/** Names the scheme and its version inside what is signed, so a future scheme cannot be confused with this one. */
export const SIGNATURE_SCHEME = 'GEODE-HMAC-SHA256-V1';

/** Everything a signature covers (ADR 0009). */
export interface SignedFields {
  /** The calling region (`Geode-Peer`). */
  caller: string;
  /** The region called: a request signed for one peer is worthless at another. */
  receiver: string;
  method: string;
  /** Path with query, byte for byte as sent. */
  path: string;
  /** Unix time in whole seconds (`Geode-Timestamp`). */
  timestampSeconds: number;
  /** Random, base64url (`Geode-Nonce`): two identical requests in one second still differ. */
  nonce: string;
  /** SHA-256 of the body bytes, lower-case hex. */
  bodySha256: string;
}

export function sha256Hex(body: Uint8Array): string {
  return createHash('sha256').update(body).digest('hex');
}

/**
 * The text the HMAC is computed over: one field per line, in a fixed order.
 * No field may hold a line break (regions, nonces and digests cannot; an HTTP
 * request target cannot), so the encoding is unambiguous.
 */
export function canonicalSigningString(fields: SignedFields): string {
  return [
    SIGNATURE_SCHEME,
    fields.caller,
    fields.receiver,
    fields.method.toUpperCase(),
    fields.path,
    String(fields.timestampSeconds),
    fields.nonce,
    fields.bodySha256,
  ].join('\n');
}

export function computeSignature(key: Uint8Array, fields: SignedFields): Buffer {
  return createHmac('sha256', key).update(canonicalSigningString(fields), 'utf8').digest();
}
