/**
 * Where a process gets its PostgreSQL from: a server the operator runs
 * (`DATABASE_URL` or the standard `PG*` variables), or an embedded one that the
 * process starts itself under `<dataDir>/<name>`.
 */
export type DatabaseTarget =
  { kind: 'server'; url: string } | { kind: 'embedded'; dataDir: string; name: string };
