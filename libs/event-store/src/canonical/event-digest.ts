import { hash } from 'node:crypto';
import type { EventBody, JsonObject, VersionVector } from '../event-envelope';
import { CanonicalEncodingError, canonicalJson } from './canonical-json';

/** The fields of an event that its digest covers (docs/canonical-encoding.md §3). */
export interface DigestInput extends EventBody {
  origin: { region: string; seq: number };
}

/** The "previous hash" of `origin.seq` 1: 32 zero bytes. */
export const GENESIS_HASH = '0'.repeat(64);

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Lowercase hex SHA-256 of the canonical JSON of exactly the `DigestInput`
 * fields. Other properties (`hash`, `revision`, `position`, …) are ignored, so
 * a stored or replicated event can be passed as it is.
 */
export function eventDigest(event: DigestInput): string {
  return sha256Hex(canonicalJson(digestFields(event)));
}

/** `SHA-256(previousHash bytes || digest bytes)`, both given and returned as 64 lowercase hex chars. */
export function chainHash(previousHash: string, digest: string): string {
  return sha256Hex(
    Buffer.concat([hashBytes(previousHash, 'previousHash'), hashBytes(digest, 'digest')]),
  );
}

// Types are checked here, not only JSON-ness: a bigint column read back as a
// string, say, would otherwise give a digest that no other region reproduces.
function digestFields(event: DigestInput): JsonObject {
  const root = objectAt(event, '$');
  const dot = objectAt(root.dot, '$.dot');
  const hlc = objectAt(root.hlc, '$.hlc');
  const origin = objectAt(root.origin, '$.origin');
  return {
    eventId: stringAt(root.eventId, '$.eventId'),
    streamId: stringAt(root.streamId, '$.streamId'),
    type: stringAt(root.type, '$.type'),
    schemaVersion: integerAt(root.schemaVersion, '$.schemaVersion'),
    data: objectAt(root.data, '$.data') as JsonObject,
    metadata: objectAt(root.metadata, '$.metadata') as JsonObject,
    dot: { region: stringAt(dot.region, '$.dot.region'), n: integerAt(dot.n, '$.dot.n') },
    deps: versionVectorAt(root.deps, '$.deps'),
    hlc: {
      wallMs: integerAt(hlc.wallMs, '$.hlc.wallMs'),
      logical: integerAt(hlc.logical, '$.hlc.logical'),
    },
    residency: residencyAt(root.residency, '$.residency'),
    origin: {
      region: stringAt(origin.region, '$.origin.region'),
      seq: integerAt(origin.seq, '$.origin.seq'),
    },
  };
}

function objectAt(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CanonicalEncodingError(path, `expected an object, got ${kindOf(value)}`);
  }
  return value as Record<string, unknown>;
}

function stringAt(value: unknown, path: string): string {
  if (typeof value !== 'string') {
    throw new CanonicalEncodingError(path, `expected a string, got ${kindOf(value)}`);
  }
  return value;
}

function integerAt(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new CanonicalEncodingError(
      path,
      `expected a non-negative safe integer, got ${kindOf(value)}`,
    );
  }
  return value + 0; // -0 passes the checks; write it as 0
}

function versionVectorAt(value: unknown, path: string): VersionVector {
  const vector: VersionVector = {};
  for (const [region, n] of Object.entries(objectAt(value, path))) {
    vector[region] = integerAt(n, `${path}[${JSON.stringify(region)}]`);
  }
  return vector;
}

// Residency is a set: it is written sorted (UTF-16 code unit order, like
// object keys) so that two regions holding it in different orders agree.
function residencyAt(value: unknown, path: string): string[] | null {
  if (value === null || value === undefined) return null;
  if (!Array.isArray(value)) {
    throw new CanonicalEncodingError(path, `expected an array or null, got ${kindOf(value)}`);
  }
  const regions = value.map((region, index) => stringAt(region, `${path}[${index}]`)).sort();
  const duplicate = regions.find((region, index) => index > 0 && regions[index - 1] === region);
  if (duplicate !== undefined) {
    throw new CanonicalEncodingError(path, `region ${JSON.stringify(duplicate)} is listed twice`);
  }
  return regions;
}

function hashBytes(hex: string, name: string): Buffer {
  if (typeof hex !== 'string' || !SHA256_HEX.test(hex)) {
    throw new TypeError(
      `${name} must be 64 lowercase hex characters (a SHA-256), got ${kindOf(hex)}`,
    );
  }
  return Buffer.from(hex, 'hex');
}

/** One-shot hashing: several times cheaper than a Hash object for short inputs. Strings hash as UTF-8. */
function sha256Hex(input: Buffer | string): string {
  return hash('sha256', input, 'hex');
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  // Input may come from a peer: keep the message short whatever it sent.
  if (typeof value === 'string') {
    return value.length > 80
      ? `a string of ${value.length} characters`
      : `the string ${JSON.stringify(value)}`;
  }
  if (typeof value === 'number') return `the number ${value}`;
  return typeof value;
}
