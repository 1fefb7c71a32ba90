/** A max-register: the greatest value written wins (e.g. a high-water mark). */
export function mergeMax<Value extends number | bigint | string>(
  a: Value | null,
  b: Value | null,
): Value | null {
  if (a === null) return b;
  if (b === null) return a;
  return b > a ? b : a;
}
