/** What a geode requires of a caller on peer-only routes (ADR 0009). */
export type PeerAuthMode = 'none' | 'mtls' | 'hmac' | 'mtls+hmac';

export const PEER_AUTH_MODES: readonly PeerAuthMode[] = ['none', 'mtls', 'hmac', 'mtls+hmac'];

/** PEM text of this geode's certificate, its key, and the CA its peers' certificates must chain to. */
export interface TlsMaterial {
  cert: string;
  key: string;
  /** Absent: HTTPS without client certificates (TLS only, e.g. with `hmac`). */
  ca?: string;
}

export interface PeerAuthConfig {
  mode: PeerAuthMode;
  /** Regions allowed to call this geode's peer routes (never its own). */
  peers: readonly string[];
  /** Set: the geode serves HTTPS with this material, and uses it as its client certificate. */
  tls?: TlsMaterial;
  /**
   * Pairwise shared keys per peer region (the same bytes on both ends of a link).
   * The first one signs; any of them verifies, so a key can be rotated without a cut.
   */
  keys: ReadonlyMap<string, readonly Buffer[]>;
}

export const usesMtls = (mode: PeerAuthMode): boolean => mode === 'mtls' || mode === 'mtls+hmac';
export const usesHmac = (mode: PeerAuthMode): boolean => mode === 'hmac' || mode === 'mtls+hmac';

/** No peer authentication: peer routes refuse every caller. */
export const NO_PEER_AUTH: PeerAuthConfig = { mode: 'none', peers: [], keys: new Map() };
