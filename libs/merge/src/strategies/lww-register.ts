import { compareCanonical, type CanonicalEvent } from '../canonical-order';

/** A last-writer-wins register: the value written by the event last in canonical order. */
export interface LwwRegister<Value> {
  readonly value: Value;
  readonly writtenBy: CanonicalEvent;
}

export function mergeLww<Value>(
  a: LwwRegister<Value> | null,
  b: LwwRegister<Value> | null,
): LwwRegister<Value> | null {
  if (a === null) return b;
  if (b === null) return a;
  return compareCanonical(b.writtenBy, a.writtenBy) > 0 ? b : a;
}
