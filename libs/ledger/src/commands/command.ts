/**
 * A command as a decider takes it. Everything a decision would otherwise read
 * from the world comes in here, so the same command on the same state always
 * yields the same events: the event id (the store's idempotency key), the time
 * written into the events, and the region deciding it (for residency).
 */
export type Command<Type extends string, Data, Metadata = CommandMetadata> = Readonly<{
  type: Type;
  data: Data;
  metadata: Metadata;
}>;

export type CommandMetadata = Readonly<{
  /** UUID of the event the command produces (a retry must reuse it). */
  eventId: string;
  /** UTC instant as `toISOString` writes it, e.g. `2026-01-02T03:04:05.000Z`. */
  at: string;
  /** The region deciding the command, e.g. `eu-west-1`. */
  region: string;
}>;
