import { canonicalJson, CanonicalEncodingError } from './canonical';
import { NewEvent, STREAM_ID_PATTERN, VersionVector } from './event-envelope';
import { EventTooLarge, InvalidEvent, InvalidExpectedRevision, InvalidStreamId } from './errors';
import type { AppendOptions, ExpectedRevision, StreamMetadataInput } from './event-store.port';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
/** `ledger.FundsDeposited`; a leading `$` is reserved for the store's own events. */
const EVENT_TYPE = /^[a-z][a-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)+$/;
const REGION = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
export const MAX_EVENTS_PER_APPEND = 10_000;
/** `\u0000` in JSON text, not preceded by an escaping backslash. */
const NUL_IN_JSON = /(^|[^\\])(\\\\)*\\u0000/;

export interface Limits {
  /** Bytes of JSON data + metadata per event. */
  maxEventBytes: number;
}

export function assertStreamId(streamId: unknown): asserts streamId is string {
  if (typeof streamId !== 'string' || !STREAM_ID_PATTERN.test(streamId))
    throw new InvalidStreamId(streamId);
}

export function assertExpectedRevision(expected: unknown): asserts expected is ExpectedRevision {
  const valid =
    expected === 'no_stream' ||
    expected === 'exists' ||
    expected === 'any' ||
    (typeof expected === 'number' && Number.isSafeInteger(expected) && expected >= 0);
  if (!valid) throw new InvalidExpectedRevision(expected);
}

export function assertRegion(region: unknown, field: string): asserts region is string {
  if (typeof region !== 'string' || !REGION.test(region) || region.length > 63) {
    throw new InvalidEvent(
      `${field} ${JSON.stringify(region)} is not a region id such as eu-west-1`,
    );
  }
}

export function assertVersionVector(
  vector: unknown,
  field: string,
): asserts vector is VersionVector {
  if (typeof vector !== 'object' || vector === null || Array.isArray(vector)) {
    throw new InvalidEvent(`${field} must be an object of region → counter`);
  }
  for (const [region, n] of Object.entries(vector)) {
    assertRegion(region, `${field} key`);
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
      throw new InvalidEvent(`${field}.${region} must be a whole number >= 0`);
    }
  }
}

/** An event's data and metadata as canonical JSON text (docs/canonical-encoding.md §2). */
export interface CanonicalPayload {
  data: string;
  metadata: string;
}

/**
 * Checks everything an append can be refused for before any I/O. Returns each
 * event's payload as canonical JSON: what the store digests and sends.
 */
export function validateAppend(
  streamId: unknown,
  events: unknown,
  options: AppendOptions,
  limits: Limits,
): CanonicalPayload[] {
  assertStreamId(streamId);
  if (typeof options !== 'object' || options === null) throw new InvalidExpectedRevision(undefined);
  assertExpectedRevision(options.expectedRevision);
  if (options.deps !== undefined) assertVersionVector(options.deps, 'deps');
  if (options.streamMetadata !== undefined) validateStreamMetadata(options.streamMetadata);
  if (!Array.isArray(events) || events.length === 0)
    throw new InvalidEvent('an append needs at least one event');
  if (events.length > MAX_EVENTS_PER_APPEND) {
    throw new InvalidEvent(
      `an append holds at most ${MAX_EVENTS_PER_APPEND} events, got ${events.length}`,
    );
  }
  const seen = new Set<string>();
  return events.map((event, index) => {
    const payload = validateEvent(event, `events[${index}]`, limits);
    const id = (event as NewEvent).eventId.toLowerCase();
    if (seen.has(id))
      throw new InvalidEvent(`events[${index}].eventId ${id} appears twice in one append`);
    seen.add(id);
    return payload;
  });
}

export function validateStreamMetadata(metadata: StreamMetadataInput): void {
  if (metadata.homeRegion !== undefined) assertRegion(metadata.homeRegion, 'homeRegion');
  if (metadata.residency !== undefined && metadata.residency !== null) {
    if (!Array.isArray(metadata.residency) || metadata.residency.length === 0) {
      throw new InvalidEvent(
        'residency must be a non-empty list of regions, or null for all regions',
      );
    }
    metadata.residency.forEach((region, i) => assertRegion(region, `residency[${i}]`));
    // A set: the digest refuses a region listed twice (docs/canonical-encoding.md §3.2).
    if (new Set(metadata.residency).size !== metadata.residency.length)
      throw new InvalidEvent('residency lists a region twice');
  }
  if (metadata.mergePolicy !== undefined && !/^[a-z][\w.-]{0,99}$/.test(metadata.mergePolicy)) {
    throw new InvalidEvent(
      `mergePolicy ${JSON.stringify(metadata.mergePolicy)} is not a policy id`,
    );
  }
}

function validateEvent(event: unknown, path: string, limits: Limits): CanonicalPayload {
  if (typeof event !== 'object' || event === null)
    throw new InvalidEvent(`${path} must be an object`);
  const { eventId, type, schemaVersion, data, metadata } = event as Record<string, unknown>;
  if (typeof eventId !== 'string' || !UUID.test(eventId))
    throw new InvalidEvent(`${path}.eventId must be a UUID`);
  if (typeof type !== 'string' || !EVENT_TYPE.test(type) || type.length > 200) {
    throw new InvalidEvent(
      `${path}.type ${JSON.stringify(type)} is not an event type such as ledger.FundsDeposited`,
    );
  }
  if (
    typeof schemaVersion !== 'number' ||
    !Number.isInteger(schemaVersion) ||
    schemaVersion < 1 ||
    schemaVersion > 10_000
  ) {
    throw new InvalidEvent(`${path}.schemaVersion must be a whole number >= 1`);
  }
  if (!isPlainObject(data)) throw new InvalidEvent(`${path}.data must be a JSON object`);
  if (metadata !== undefined && !isPlainObject(metadata))
    throw new InvalidEvent(`${path}.metadata must be a JSON object`);
  // The payload must canonicalise (docs/canonical-encoding.md), or its digest
  // could not be computed: JSON every language reads back the same. The
  // canonical text holds the same bytes as JSON.stringify, in another key order.
  const dataJson = canonicalText(data, `${path}.data`);
  const metadataJson = canonicalText(metadata ?? {}, `${path}.metadata`);
  if (NUL_IN_JSON.test(dataJson) || NUL_IN_JSON.test(metadataJson)) {
    throw new InvalidEvent(
      `${path} holds the character U+0000, which PostgreSQL cannot store in JSON`,
    );
  }
  const bytes = Buffer.byteLength(dataJson) + Buffer.byteLength(metadataJson);
  if (bytes > limits.maxEventBytes) throw new EventTooLarge(eventId, bytes, limits.maxEventBytes);
  return { data: dataJson, metadata: metadataJson };
}

function canonicalText(value: unknown, path: string): string {
  try {
    return canonicalJson(value);
  } catch (error) {
    if (error instanceof CanonicalEncodingError)
      throw new InvalidEvent(`${path}: ${error.message}`);
    throw error;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
