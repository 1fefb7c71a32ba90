/**
 * An event as deciders emit and `evolve` folds it: a stable `type`, JSON `data`
 * (money as decimal strings, so it is stored and hashed as it is), and the
 * `eventId` the command chose, which makes the append idempotent.
 */
export type DomainEvent<Type extends string, Data> = Readonly<{
  type: Type;
  data: Data;
  metadata: EventMetadata;
}>;

export type EventMetadata = Readonly<{
  /** UUID; the idempotency key in the store and in replication. */
  eventId: string;
}>;
