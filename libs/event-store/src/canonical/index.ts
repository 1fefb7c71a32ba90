export { CanonicalEncodingError, canonicalJson, isCanonicalJson } from './canonical-json';
export {
  bodyDigest,
  bodyDigestOfCanonical,
  chainHash,
  envelopeDigest,
  eventDigest,
  GENESIS_HASH,
  type BodyInput,
  type CanonicalBodyInput,
  type DigestInput,
  type EnvelopeInput,
} from './event-digest';
