export { CanonicalEncodingError, canonicalJson, isCanonicalJson } from './canonical-json';
export { chainHash, eventDigest, GENESIS_HASH, type DigestInput } from './event-digest';
