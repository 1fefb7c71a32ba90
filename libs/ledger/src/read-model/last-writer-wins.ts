/**
 * A register and the canonical order key of the write that set it. Read
 * models keep the key beside the value so that any later write, in whatever
 * order it arrives, can be compared with the one that is there.
 */
export interface Register<Value> {
  readonly value: Value;
  readonly key: string;
}

/** Last writer wins: the write with the higher canonical order key (keys are unique per event). */
export function latestWrite<Value>(
  current: Register<Value> | null,
  incoming: Register<Value> | null,
): Register<Value> | null {
  if (current === null) return incoming;
  if (incoming === null) return current;
  return incoming.key > current.key ? incoming : current;
}

/** First writer wins: for facts only the first of concurrent writes may set (an account's opening). */
export function earliestWrite<Value>(
  current: Register<Value> | null,
  incoming: Register<Value> | null,
): Register<Value> | null {
  if (current === null) return incoming;
  if (incoming === null) return current;
  return incoming.key < current.key ? incoming : current;
}
