import { failure, ok, type Result } from './result';
import type { Rule } from './field-rules';

/** Where untrusted data is malformed: `path` names the field (empty: the whole object). */
export interface FieldProblem {
  readonly path: string;
  readonly problem: string;
}

/** Thrown inside a reader only; `readData` turns it into a result. */
class FieldProblemFound extends Error {
  constructor(readonly found: FieldProblem) {
    super(`${found.path} ${found.problem}`);
  }
}

/**
 * The fields of one JSON object, read one rule at a time. Fields nobody reads
 * are refused afterwards: data of one schema version has exactly its fields, so
 * a peer that writes something else is caught, not silently half-understood.
 */
export class DataFields {
  private readonly seen = new Set<string>();

  constructor(private readonly data: Readonly<Record<string, unknown>>) {}

  required<T>(name: string, rule: Rule<T>): T {
    this.seen.add(name);
    if (!Object.hasOwn(this.data, name)) this.fail(name, 'is missing');
    return this.check(name, rule, this.data[name]);
  }

  /** Absent stays absent (`undefined`); present must pass the rule. */
  optional<T>(name: string, rule: Rule<T>): T | undefined {
    this.seen.add(name);
    if (!Object.hasOwn(this.data, name)) return undefined;
    return this.check(name, rule, this.data[name]);
  }

  /** For rules that span fields, e.g. the home region must be in the residency. */
  fail(path: string, problem: string): never {
    throw new FieldProblemFound({ path, problem });
  }

  unread(): string[] {
    return Object.keys(this.data).filter((name) => !this.seen.has(name));
  }

  private check<T>(name: string, rule: Rule<T>, value: unknown): T {
    const result = rule(value);
    if (!result.ok) this.fail(name, result.error);
    return result.value;
  }
}

/** Reads a JSON object with `build`, refusing anything `build` did not read. */
export function readData<T>(
  data: unknown,
  build: (fields: DataFields) => T,
): Result<T, FieldProblem> {
  if (!isPlainObject(data)) return failure({ path: '', problem: 'must be a JSON object' });
  const fields = new DataFields(data);
  try {
    const value = build(fields);
    const [extra] = fields.unread();
    if (extra !== undefined)
      return failure({ path: extra, problem: 'is not a field of this event' });
    return ok(value);
  } catch (error) {
    if (error instanceof FieldProblemFound) return failure(error.found);
    throw error;
  }
}

export function isPlainObject(value: unknown): value is Readonly<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}
