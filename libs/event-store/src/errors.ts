import type { ExpectedRevision } from './event-store.port';
import type { VersionVector } from './event-envelope';

/**
 * Errors of the event store. Each carries a stable `code` that the HTTP layer
 * maps to a problem type; nothing was written when one is thrown.
 */
export abstract class EventStoreError extends Error {
  abstract readonly code: string;
}

export class RevisionConflict extends EventStoreError {
  readonly code = 'revision-conflict';
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    readonly actual: number,
  ) {
    super(`stream ${streamId} is at revision ${actual}, expected ${String(expected)}`);
  }
}

export class DuplicateEventId extends EventStoreError {
  readonly code = 'duplicate-event-id';
  constructor(readonly eventIds: string[]) {
    super(`event id(s) ${eventIds.join(', ')} already stored with other content`);
  }
}

/** Malformed input: the message names the field. */
export class InvalidEvent extends EventStoreError {
  readonly code = 'invalid-event';
}

export class InvalidStreamId extends EventStoreError {
  readonly code = 'invalid-stream-id';
  constructor(readonly streamId: unknown) {
    super(
      `stream id ${JSON.stringify(streamId)} is not of the form <category>-<id> (e.g. account-7f3c)`,
    );
  }
}

export class InvalidExpectedRevision extends EventStoreError {
  readonly code = 'invalid-expected-revision';
  constructor(readonly given: unknown) {
    super(
      `expected revision ${JSON.stringify(given)} is not a whole number >= 0, "no_stream", "exists" or "any"`,
    );
  }
}

export class EventTooLarge extends EventStoreError {
  readonly code = 'event-too-large';
  constructor(
    readonly eventId: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`event ${eventId} is ${bytes} bytes of data and metadata; the limit is ${limit}`);
  }
}

export class UnknownDependency extends EventStoreError {
  readonly code = 'unknown-dependency';
  constructor(
    readonly streamId: string,
    readonly missing: VersionVector,
  ) {
    super(
      `deps of the append to ${streamId} name dots this geode does not hold: ${JSON.stringify(missing)}`,
    );
  }
}

export class StreamDeleted extends EventStoreError {
  readonly code = 'stream-deleted';
  constructor(readonly streamId: string) {
    super(`stream ${streamId} is deleted`);
  }
}

/** A replicated batch that breaks a rule (gap, bad hash, bad digest); nothing of it was stored. */
export class ReplicationRefused extends EventStoreError {
  readonly code = 'replication-refused';
  constructor(
    readonly origin: string,
    readonly seq: number,
    readonly reason: string,
  ) {
    super(`replicated entry ${origin}#${seq} refused: ${reason}`);
  }
}
