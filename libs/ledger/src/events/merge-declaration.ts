/**
 * How concurrent events of a type are reconciled (DESIGN.md §4). The merge
 * engine reads these; the ledger never merges by itself. `evolve` in canonical
 * order already gives last-writer-wins and counters their meaning; sets and
 * resolvers need the causal context (deps) that only the engine has.
 */
export type MergeDeclaration =
  /** Plain registers: the event that sorts last in canonical order wins, per field. */
  | Readonly<{ kind: 'lww'; fields: readonly string[] }>
  /** Commutes: concurrent events all apply, in any order (`amount` names the data field). */
  | Readonly<{
      kind: 'counter';
      field: string;
      operation: 'increment' | 'decrement';
      amount: string;
    }>
  /** Add-wins OR-set: a remove only removes the adds it had seen (its deps). */
  | Readonly<{
      kind: 'set';
      field: string;
      operation: 'add' | 'remove';
      element: string;
      bias: 'add-wins';
    }>
  /** An invariant is at stake: the named, versioned domain resolver decides a compensation. */
  | Readonly<{ kind: 'resolver'; resolver: string }>
  /** An operator decides, from the conflict queue. */
  | Readonly<{ kind: 'manual' }>;

export type MergeKind = MergeDeclaration['kind'];
