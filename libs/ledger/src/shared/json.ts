/** JSON as the event store holds it (structurally the store's own `JsonObject`). */
export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** What may be copied into JSON: readonly, and with absent optional fields. */
export type JsonInput =
  | null
  | boolean
  | number
  | string
  | readonly JsonInput[]
  | { readonly [key: string]: JsonInput | undefined };

/** A fresh, mutable copy; `undefined` members are left out, as `JSON.stringify` does. */
export function toJsonObject(value: { readonly [key: string]: JsonInput | undefined }): JsonObject {
  const copy: JsonObject = {};
  for (const [key, member] of Object.entries(value)) {
    if (member !== undefined) copy[key] = toJsonValue(member);
  }
  return copy;
}

function toJsonValue(value: JsonInput): JsonValue {
  if (isArray(value)) return value.map(toJsonValue);
  if (value !== null && typeof value === 'object') return toJsonObject(value);
  return value;
}

function isArray(value: JsonInput): value is readonly JsonInput[] {
  return Array.isArray(value);
}
