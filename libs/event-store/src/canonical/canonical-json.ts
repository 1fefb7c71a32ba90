/**
 * RFC 8785 (JSON Canonicalization Scheme), restricted to values that every
 * JSON implementation reads back identically. The byte-exact rules are in
 * docs/canonical-encoding.md.
 */

/** A value that has no canonical JSON form; `path` (e.g. `$.data.amount`) says where. */
export class CanonicalEncodingError extends Error {
  readonly code = 'non-canonical-json';
  override readonly name = 'CanonicalEncodingError';
  readonly path: string;

  constructor(path: string, reason: string) {
    super(`${path}: ${reason}`);
    this.path = path;
  }
}

/** The canonical JSON text of `value`: sorted members, no whitespace, ECMAScript number and string forms. */
export function canonicalJson(value: unknown): string {
  // Valid values (nearly all) take the fast path; the checked encoder below
  // runs only to name what is wrong.
  if (isCanonicalJson(value)) return encodeValid(value);
  return encode(value, '$', new Set());
}

/** The encoding of a value `isCanonicalJson` accepted: no checks, no paths. */
function encodeValid(value: unknown): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  let text: string;
  if (Array.isArray(value)) {
    text = '[';
    for (let index = 0; index < value.length; index += 1) {
      if (index > 0) text += ',';
      text += encodeValid(value[index]);
    }
    return text + ']';
  }
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object).sort();
  text = '{';
  for (let index = 0; index < keys.length; index += 1) {
    if (index > 0) text += ',';
    text += JSON.stringify(keys[index]) + ':' + encodeValid(object[keys[index]]);
  }
  return text + '}';
}

// Matches only surrogates that are not part of a pair: the `u` flag reads pairs as one code point.
const LONE_SURROGATE = /\p{Cs}/u;
const ANY_SURROGATE = /[\uD800-\uDFFF]/;

/** The cheap test first: most text has no surrogate at all. */
function hasLoneSurrogate(text: string): boolean {
  return ANY_SURROGATE.test(text) && LONE_SURROGATE.test(text);
}
const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function encode(value: unknown, path: string, ancestors: Set<object>): string {
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return encodeNumber(value, path);
    case 'string':
      return encodeString(value, path, 'string');
    case 'object':
      if (value === null) return 'null';
      return encodeContainer(value, path, ancestors);
    case 'bigint':
      throw new CanonicalEncodingError(
        path,
        'a bigint is not JSON; write large integers as strings',
      );
    default:
      // undefined, function, symbol: JSON.stringify would drop them silently.
      throw new CanonicalEncodingError(path, `${typeof value} is not a JSON value`);
  }
}

function encodeNumber(value: number, path: string): string {
  if (!Number.isFinite(value)) {
    throw new CanonicalEncodingError(path, `${value} is not a JSON number`);
  }
  // Every double beyond 2^53 - 1 is an integer that some parsers (int64,
  // decimal, JavaScript itself) would read back differently.
  if (Math.abs(value) > Number.MAX_SAFE_INTEGER) {
    throw new CanonicalEncodingError(
      path,
      `${value} exceeds Number.MAX_SAFE_INTEGER in magnitude and cannot round-trip everywhere; write it as a string`,
    );
  }
  // ECMAScript Number::toString is the RFC 8785 number form; it also writes -0 as 0.
  return JSON.stringify(value);
}

function encodeString(value: string, path: string, what: 'string' | 'key'): string {
  if (LONE_SURROGATE.test(value)) {
    throw new CanonicalEncodingError(
      path,
      `${what} holds a lone surrogate, which is not Unicode text`,
    );
  }
  return JSON.stringify(value);
}

function encodeContainer(value: object, path: string, ancestors: Set<object>): string {
  if (ancestors.has(value)) throw new CanonicalEncodingError(path, 'circular reference');
  let text: string;
  ancestors.add(value);
  if (isPlainArray(value)) {
    text = encodeArray(value, path, ancestors);
  } else if (isPlainObject(value)) {
    text = encodeObject(value, path, ancestors);
  } else {
    throw new CanonicalEncodingError(
      path,
      `${describeKind(value)} is not a plain JSON object or array`,
    );
  }
  ancestors.delete(value);
  return text;
}

// The checks below accept plain values from any realm (vm contexts,
// structuredClone under Jest), where the prototypes are not this realm's.
function isPlainArray(value: object): value is unknown[] {
  // An Array.prototype is itself an array; a subclass's prototype is not.
  return Array.isArray(value) && Array.isArray(Object.getPrototypeOf(value));
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype === null) return true;
  if (typeof prototype !== 'object' || Object.getPrototypeOf(prototype) !== null) return false;
  // A null-prototype object used as a prototype is not Object.prototype; its constructor tells.
  const constructor: unknown = Object.getOwnPropertyDescriptor(prototype, 'constructor')?.value;
  return typeof constructor === 'function' && constructor.name === 'Object';
}

function encodeArray(array: unknown[], path: string, ancestors: Set<object>): string {
  const items: string[] = [];
  for (let index = 0; index < array.length; index += 1) {
    const itemPath = `${path}[${index}]`;
    if (!Object.hasOwn(array, index)) {
      throw new CanonicalEncodingError(itemPath, 'hole in a sparse array');
    }
    items.push(encode(array[index], itemPath, ancestors));
  }
  // Named properties on an array would be lost silently.
  if (
    Object.keys(array).length !== array.length ||
    Object.getOwnPropertySymbols(array).length > 0
  ) {
    throw new CanonicalEncodingError(path, 'array carries properties besides its items');
  }
  return `[${items.join(',')}]`;
}

function encodeObject(
  object: Record<string, unknown>,
  path: string,
  ancestors: Set<object>,
): string {
  if (Object.getOwnPropertySymbols(object).length > 0) {
    throw new CanonicalEncodingError(path, 'symbol-keyed properties are not JSON');
  }
  // The default sort compares UTF-16 code units, which is exactly RFC 8785 §3.2.3.
  const keys = Object.keys(object).sort();
  const members: string[] = [];
  for (const key of keys) {
    const memberPath = memberPathOf(path, key);
    members.push(
      `${encodeString(key, memberPath, 'key')}:${encode(object[key], memberPath, ancestors)}`,
    );
  }
  return `{${members.join(',')}}`;
}

function memberPathOf(path: string, key: string): string {
  return IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function describeKind(value: object): string {
  const name: unknown = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' && name !== 'Object'
    ? `a ${name}`
    : 'an object with a custom prototype';
}

/**
 * True when `canonicalJson(value)` would succeed: the same rules, without
 * building any text (appends validate every event with it, on the hot path).
 * A value this refuses is handed to `canonicalJson` for the error message.
 */
export function isCanonicalJson(value: unknown, depth = 0): boolean {
  switch (typeof value) {
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && Math.abs(value) <= Number.MAX_SAFE_INTEGER;
    case 'string':
      return !hasLoneSurrogate(value);
    case 'object': {
      if (value === null) return true;
      // Deeper than this, let canonicalJson decide (it also names cycles).
      if (depth > 200) return false;
      if (isPlainArray(value)) {
        for (let index = 0; index < value.length; index += 1) {
          if (!Object.hasOwn(value, index) || !isCanonicalJson(value[index], depth + 1))
            return false;
        }
        return (
          Object.keys(value).length === value.length &&
          Object.getOwnPropertySymbols(value).length === 0
        );
      }
      const ordinary = Object.getPrototypeOf(value) === Object.prototype || isPlainObject(value);
      if (!ordinary || Object.getOwnPropertySymbols(value).length > 0) return false;
      for (const key of Object.keys(value)) {
        if (
          hasLoneSurrogate(key) ||
          !isCanonicalJson((value as Record<string, unknown>)[key], depth + 1)
        )
          return false;
      }
      return true;
    }
    default:
      return false;
  }
}
