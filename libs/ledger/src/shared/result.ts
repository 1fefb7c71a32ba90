/**
 * The outcome of reading untrusted input. Parsing returns it rather than
 * throwing because malformed data from a peer or an old row is expected, not
 * exceptional: the caller decides whether to refuse, quarantine or report it.
 */
export type Result<T, E> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

export function failure<E>(error: E): { readonly ok: false; readonly error: E } {
  return { ok: false, error };
}
