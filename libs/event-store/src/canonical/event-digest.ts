import { hash } from 'node:crypto';
import type { EventBody, JsonObject, VersionVector } from '../event-envelope';
import { CanonicalEncodingError, canonicalJson } from './canonical-json';

/** The fields of an event that its digest covers (docs/canonical-encoding.md §3). */
export interface DigestInput extends EventBody {
  origin: { region: string; seq: number };
}

/** The part of an event its writer knows before the store places it: its body (§3.1). */
export type BodyInput = Pick<
  EventBody,
  'eventId' | 'streamId' | 'type' | 'schemaVersion' | 'data' | 'metadata' | 'hlc'
>;

/** What the store and the sequencer add around a body (§3.2). */
export interface EnvelopeInput extends Pick<EventBody, 'dot' | 'deps' | 'residency'> {
  /** `bodyDigest` of the event, 64 lowercase hex characters. */
  body: string;
  origin: { region: string; seq: number };
}

/** The "previous hash" of `origin.seq` 1: 32 zero bytes. */
export const GENESIS_HASH = '0'.repeat(64);

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * The digest of an event (§3): SHA-256 of the canonical JSON of its envelope,
 * which holds the digest of its body. Other properties (`hash`, `revision`,
 * `position`, …) are ignored, so a stored or replicated event can be passed as
 * it is. Always computed from the content: a digest someone else claims is
 * compared with this, never used in its place.
 */
export function eventDigest(event: DigestInput): string {
  return envelopeDigest({ ...event, body: bodyDigest(event) });
}

/**
 * Lowercase hex SHA-256 of the canonical JSON of the body fields (§3.1). The
 * writer computes it at append time, so the sequencer never re-reads payloads.
 */
export function bodyDigest(event: BodyInput): string {
  return sha256Hex(canonicalJson(bodyFields(event)));
}

/** A body whose data and metadata are already canonical JSON text (the append path holds them). */
export interface CanonicalBodyInput extends Omit<BodyInput, 'data' | 'metadata'> {
  /** `canonicalJson(data)`: trusted to be canonical, not checked again. */
  dataJson: string;
  /** `canonicalJson(metadata)`, likewise. */
  metadataJson: string;
}

/**
 * `bodyDigest` for a writer that has canonicalised data and metadata already
 * (to validate them and to send them): the body text is assembled around them
 * rather than encoded again. Equal to `bodyDigest` of the same event.
 */
export function bodyDigestOfCanonical(body: CanonicalBodyInput): string {
  const root = objectAt(body, '$');
  const hlc = objectAt(root.hlc, '$.hlc');
  // Members in §2.2 order: data, eventId, hlc (logical, wallMs), metadata, schemaVersion, streamId, type.
  const text =
    `{"data":${body.dataJson}` +
    `,"eventId":${canonicalJson(stringAt(root.eventId, '$.eventId'))}` +
    `,"hlc":{"logical":${integerAt(hlc.logical, '$.hlc.logical')}` +
    `,"wallMs":${integerAt(hlc.wallMs, '$.hlc.wallMs')}}` +
    `,"metadata":${body.metadataJson}` +
    `,"schemaVersion":${integerAt(root.schemaVersion, '$.schemaVersion')}` +
    `,"streamId":${canonicalJson(stringAt(root.streamId, '$.streamId'))}` +
    `,"type":${canonicalJson(stringAt(root.type, '$.type'))}}`;
  return sha256Hex(text);
}

/** Lowercase hex SHA-256 of the canonical JSON of the envelope (§3.2): small, fixed fields. */
export function envelopeDigest(envelope: EnvelopeInput): string {
  const { body, deps, dot, origin, residency } = envelopeFields(envelope);
  // The sequencer digests every event: the text is assembled in §2.2 member
  // order rather than by walking and sorting the object (the unit tests pin
  // it to canonicalJson of the same fields). Strings, the deps map and the
  // residency list still go through canonicalJson.
  return sha256Hex(
    `{"body":"${body}","deps":${canonicalJson(deps)}` +
      `,"dot":{"n":${dot.n},"region":${canonicalJson(dot.region)}}` +
      `,"origin":{"region":${canonicalJson(origin.region)},"seq":${origin.seq}}` +
      `,"residency":${canonicalJson(residency)}}`,
  );
}

/** `SHA-256(previousHash bytes || digest bytes)`, both given and returned as 64 lowercase hex chars. */
export function chainHash(previousHash: string, digest: string): string {
  return sha256Hex(
    Buffer.concat([hashBytes(previousHash, 'previousHash'), hashBytes(digest, 'digest')]),
  );
}

// Types are checked here, not only JSON-ness: a bigint column read back as a
// string, say, would otherwise give a digest that no other region reproduces.
function bodyFields(event: BodyInput): JsonObject {
  const root = objectAt(event, '$');
  const hlc = objectAt(root.hlc, '$.hlc');
  return {
    eventId: stringAt(root.eventId, '$.eventId'),
    streamId: stringAt(root.streamId, '$.streamId'),
    type: stringAt(root.type, '$.type'),
    schemaVersion: integerAt(root.schemaVersion, '$.schemaVersion'),
    data: objectAt(root.data, '$.data') as JsonObject,
    metadata: objectAt(root.metadata, '$.metadata') as JsonObject,
    hlc: {
      wallMs: integerAt(hlc.wallMs, '$.hlc.wallMs'),
      logical: integerAt(hlc.logical, '$.hlc.logical'),
    },
  };
}

/** The envelope's fields, checked and normalised (residency sorted). */
function envelopeFields(envelope: EnvelopeInput): EnvelopeInput {
  const root = objectAt(envelope, '$');
  const dot = objectAt(root.dot, '$.dot');
  const origin = objectAt(root.origin, '$.origin');
  const body = stringAt(root.body, '$.body');
  if (!SHA256_HEX.test(body)) {
    throw new CanonicalEncodingError('$.body', 'expected 64 lowercase hex characters');
  }
  return {
    body,
    dot: { region: stringAt(dot.region, '$.dot.region'), n: integerAt(dot.n, '$.dot.n') },
    deps: versionVectorAt(root.deps, '$.deps'),
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
    // Assigning "__proto__" sets the prototype instead of a member: the entry
    // would vanish from the digest while the stored deps kept it.
    if (region === '__proto__') {
      throw new CanonicalEncodingError(`${path}["__proto__"]`, 'a region cannot be "__proto__"');
    }
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
