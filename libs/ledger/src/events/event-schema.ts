import type { FieldProblem } from '../shared/data-reader';
import type { Result } from '../shared/result';
import type { MergeDeclaration } from './merge-declaration';

/**
 * Maps data written at an older schema version to the shape of the current one.
 * It runs before validation, so it may assume nothing about `data`.
 */
export type Upcaster = (data: unknown, fromVersion: number) => unknown;

/** Version 1 is the current version of every ledger event: nothing to map. */
export const identityUpcaster: Upcaster = (data) => data;

/** Everything the platform must know about one event type, registered under its stable name. */
export interface EventSchema<Type extends string, Data> {
  readonly type: Type;
  /** The version this code writes; older stored versions are upcast to it on read. */
  readonly schemaVersion: number;
  readonly merge: MergeDeclaration;
  readonly upcast: Upcaster;
  /** Validates data of the current version; events from peers and old rows are untrusted. */
  readonly parseData: (data: unknown) => Result<Data, FieldProblem>;
}
