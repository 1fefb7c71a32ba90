import { ProjectionError } from './projection-errors';

/** Lowercase SQL identifiers only: no quoting surprises, and room for the suffixes below. */
const SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,39}$/;
const NAME_PATTERN = /^[a-z][a-z0-9_.-]{0,62}$/;

export function assertProjectionShape(name: string, schema: string, version: number): void {
  if (!NAME_PATTERN.test(name))
    throw new ProjectionError('invalid-projection', `projection name "${name}" is not valid`);
  if (!SCHEMA_PATTERN.test(schema) || schema.startsWith('pg_') || schema.includes('__'))
    throw new ProjectionError(
      'invalid-projection',
      `projection ${name}: schema "${schema}" must match ${SCHEMA_PATTERN.source}, without "__" or "pg_"`,
    );
  if (!Number.isSafeInteger(version) || version < 1)
    throw new ProjectionError('invalid-projection', `projection ${name}: version must be ≥ 1`);
}

/** Where a rebuild writes before the swap. */
export const shadowSchemaOf = (schema: string) => `${schema}__rebuild`;

/** Where the replaced tables go for the moment between the swap and their drop. */
export const retiredSchemaOf = (schema: string, generation: number) =>
  `${schema}__retired_${generation}`;

/** `"schema"."table"`; schema names are checked above, table names here. */
export function qualified(schema: string, table: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(table))
    throw new ProjectionError('invalid-projection', `table name "${table}" is not valid`);
  return `"${schema}"."${table}"`;
}

export const quoteSchema = (schema: string) => `"${schema}"`;
