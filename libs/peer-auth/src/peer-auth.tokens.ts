/** DI token of this geode's region, as peer auth sees it. */
export const PEER_AUTH_REGION = Symbol('PEER_AUTH_REGION');
/** DI token of the `PeerClientAuth` the replication puller calls peers with. */
export const PEER_CLIENT_AUTH = Symbol('PEER_CLIENT_AUTH');
