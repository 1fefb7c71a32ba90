import type { Hlc } from '@geode/clock';

/** JSON as stored: what `JSON.parse` gives back. */
export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** `(region, n)`: the deciding region and its own counter on this stream (1, 2, 3 …). */
export interface Dot {
  region: string;
  n: number;
}

/** `{ region: n }`: per region, the highest dot counter of a stream that is covered. */
export type VersionVector = Record<string, number>;

/** An event as a caller proposes it. */
export interface NewEvent {
  /** UUID; the idempotency key everywhere. */
  eventId: string;
  /** Stable name, e.g. `ledger.FundsDeposited`. */
  type: string;
  schemaVersion: number;
  data: JsonObject;
  /** Correlation/causation ids, the acting principal. */
  metadata?: JsonObject;
}

/** Where an event stands in its origin region's log, once the sequencer stamped it. */
export interface OriginStamp {
  region: string;
  seq: number;
  /** Hex SHA-256 chain hash (see docs/canonical-encoding.md). */
  hash: string;
}

/** What an event is wherever it travels: what it says and where it stands causally. */
export interface EventBody {
  eventId: string;
  streamId: string;
  type: string;
  schemaVersion: number;
  data: JsonObject;
  metadata: JsonObject;
  dot: Dot;
  deps: VersionVector;
  hlc: Hlc;
  /** Regions allowed to hold the payload; `null` = all. */
  residency: string[] | null;
}

/** An event as this geode holds it. */
export interface StoredEvent extends EventBody {
  /** Position in this geode's stream (1, 2, 3 …); local, differs between geodes. */
  revision: number;
  /** Position in this geode's local log: unique, assigned at insert (see ADR 0004 on order). */
  position: number;
  /** `null` until the origin region's sequencer stamped it. */
  origin: OriginStamp | null;
  recordedAt: Date;
}

/** `<category>-<id>`, e.g. `account-7f3c…`. */
export const STREAM_ID_PATTERN = /^([a-z][a-zA-Z0-9]*)-([A-Za-z0-9][A-Za-z0-9_.:-]{0,199})$/;

export function categoryOf(streamId: string): string {
  const match = STREAM_ID_PATTERN.exec(streamId);
  if (!match) throw new Error(`not a stream id: ${streamId}`);
  return match[1];
}
