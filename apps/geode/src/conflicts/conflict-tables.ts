/** The conflict queue's tables (ADR 0012), created in the `conflicts` schema or a rebuild's shadow. */
export const CONFLICT_TABLES = {
  events: 'stream_events',
  conflicts: 'conflicts',
  merges: 'merges',
} as const;

export type ConflictTable = keyof typeof CONFLICT_TABLES;

export function conflictTableStatements(t: (name: ConflictTable) => string): string[] {
  return [
    // The causality of every event of a followed stream (not its payload): a fork is a
    // concurrent pair that no merge has seen, which an ordinary later event can hide from
    // the latest dots alone, so the detector needs the whole causal history of a stream.
    `CREATE TABLE ${t('events')} (
      stream_id   text COLLATE "C" NOT NULL,
      region      text COLLATE "C" NOT NULL,
      n           bigint NOT NULL,
      event_id    uuid NOT NULL,
      deps        jsonb NOT NULL,
      hlc_wall    bigint NOT NULL,
      hlc_logical integer NOT NULL,
      merge       boolean NOT NULL,
      PRIMARY KEY (stream_id, region, n)
    )`,
    `CREATE TABLE ${t('conflicts')} (
      conflict_id        uuid PRIMARY KEY,
      stream_id          text COLLATE "C" NOT NULL,
      heads              uuid[] NOT NULL,
      -- When the fork happened, by the events (the latest head's HLC), not by this region's clock.
      forked_at_wall     bigint NOT NULL,
      forked_at_logical  integer NOT NULL,
      detected_in_region text NOT NULL,
      status             text NOT NULL CHECK (status IN ('pending', 'resolved')),
      merge_event_id     uuid
    )`,
    `CREATE INDEX ON ${t('conflicts')} (status, stream_id)`,
    `CREATE INDEX ON ${t('conflicts')} (stream_id, forked_at_wall DESC, forked_at_logical DESC)`,
    `CREATE TABLE ${t('merges')} (
      event_id       uuid PRIMARY KEY,
      stream_id      text COLLATE "C" NOT NULL,
      heads          uuid[] NOT NULL,
      concurrent     uuid[] NOT NULL,
      strategy       text NOT NULL,
      resolver       text NOT NULL,
      resolver_version integer NOT NULL,
      outcome        jsonb NOT NULL,
      compensations  jsonb NOT NULL,
      resolved_by    jsonb NOT NULL,
      hlc_wall       bigint NOT NULL,
      hlc_logical    integer NOT NULL,
      dot_region     text COLLATE "C" NOT NULL,
      dot_n          bigint NOT NULL
    )`,
    `CREATE INDEX ON ${t('merges')} (stream_id, hlc_wall, hlc_logical, dot_region, dot_n)`,
  ];
}
