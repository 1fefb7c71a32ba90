import { randomBytes } from 'node:crypto';
import type { WallClock } from '@geode/clock';
import {
  computeSignature,
  NONCE_HEADER,
  PEER_HEADER,
  sha256Hex,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
} from './request-signature';
import type { SignableRequest } from './peer-client-auth';

/** Asked to sign for a peer this geode holds no key for: a configuration mistake, not bad input. */
export class NoPeerKeyError extends Error {
  override readonly name = 'NoPeerKeyError';
  readonly code = 'peer-key-missing';
  constructor(readonly peerRegion: string) {
    super(`no shared key for peer ${peerRegion} (GEODE_PEER_KEYS)`);
  }
}

/** Signs this geode's requests to its peers with the pairwise key of each link. */
export class RequestSigner {
  constructor(
    private readonly ownRegion: string,
    private readonly keys: ReadonlyMap<string, readonly Buffer[]>,
    private readonly clock: WallClock,
    private readonly nonce: () => string = () => randomBytes(16).toString('base64url'),
  ) {}

  headers(request: SignableRequest): Record<string, string> {
    const key = this.keys.get(request.peerRegion)?.[0];
    if (!key) throw new NoPeerKeyError(request.peerRegion);
    const timestampSeconds = Math.floor(this.clock.nowMs() / 1000);
    const nonce = this.nonce();
    const signature = computeSignature(key, {
      caller: this.ownRegion,
      receiver: request.peerRegion,
      method: request.method,
      path: request.path,
      timestampSeconds,
      nonce,
      bodySha256: sha256Hex(request.body),
    });
    return {
      [PEER_HEADER]: this.ownRegion,
      [TIMESTAMP_HEADER]: String(timestampSeconds),
      [NONCE_HEADER]: nonce,
      [SIGNATURE_HEADER]: signature.toString('base64url'),
    };
  }
}
