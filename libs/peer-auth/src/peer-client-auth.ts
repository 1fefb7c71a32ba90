import type { Dispatcher } from 'undici';

/** A request as the puller is about to send it; `body` is the exact bytes before any Content-Encoding. */
export interface SignableRequest {
  /** The region being called: pairwise keys mean the key depends on it (ADR 0009). */
  peerRegion: string;
  method: string;
  /** Path with query, exactly as sent, e.g. `/replication/v1/feed?limit=500`. */
  path: string;
  body: Uint8Array;
}

/** How this geode proves who it is when it calls a peer. */
export interface PeerClientAuth {
  /** undici Dispatcher for requests to that peer (mTLS client certificate), or undefined. */
  dispatcher(peerRegion: string): Dispatcher | undefined;
  /** Headers to add (signed-request mode) for method, path-with-query and the exact body bytes. */
  sign(request: SignableRequest): Record<string, string>;
}
