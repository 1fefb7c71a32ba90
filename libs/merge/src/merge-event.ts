import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { MergeJsonObject } from './merge-json';

/**
 * The platform's merge event: closes a fork like a merge commit (DESIGN.md §4).
 * Not `$merge`: the store reserves `$` types for what it writes itself, and
 * the replication wire format wants a dotted name (ADR 0012).
 */
export const MERGE_EVENT_TYPE = 'geode.Merge';
export const MERGE_SCHEMA_VERSION = 1;

/** A named, versioned resolver; changing what it decides means a new version. */
export interface ResolverRef {
  readonly name: string;
  readonly version: number;
}

/** The operator's pseudo-resolver: a person chose the outcome. */
export const MANUAL_RESOLVER: ResolverRef = { name: 'manual', version: 1 };

export type MergeStrategy = 'resolver' | 'manual';

export type ResolvedBy =
  | Readonly<{ kind: 'region'; region: string }>
  | Readonly<{ kind: 'operator'; region: string; operator: string; reason: string }>;

/** What a merge event records: enough for an auditor, and for replay to need no resolver. */
export interface MergeRecord {
  readonly streamId: string;
  /** The concurrent heads the merge joins, ascending ids. */
  readonly heads: readonly string[];
  /** Every event beyond the common ancestor, ascending ids. */
  readonly concurrentEvents: readonly string[];
  /** The common ancestor's version vector. */
  readonly ancestor: Readonly<Record<string, number>>;
  /** When the fork happened: the HLC of its latest head (event time, the same in every region). */
  readonly forkedAt: Readonly<{ wallMs: number; logical: number }>;
  readonly strategy: MergeStrategy;
  readonly resolver: ResolverRef;
  /** The domain's outcome (its state diff): what folding this event applies. */
  readonly outcome: MergeJsonObject;
  readonly compensations: readonly MergeJsonObject[];
  readonly resolvedBy: ResolvedBy;
}

const REGION = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const jsonObject = z.record(z.string(), z.json());
const region = z.string().max(63).regex(REGION);
const eventIds = z.array(z.string().regex(UUID)).max(100_000);

const mergeRecordSchema = z.strictObject({
  streamId: z.string().min(1).max(256),
  heads: eventIds.min(2),
  concurrentEvents: eventIds.min(2),
  ancestor: z.record(region, z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)),
  forkedAt: z.strictObject({
    wallMs: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    logical: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1),
  }),
  strategy: z.enum(['resolver', 'manual']),
  resolver: z.strictObject({
    name: z.string().regex(/^[a-z][\w.-]{0,99}$/),
    version: z.number().int().min(1).max(1_000_000),
  }),
  outcome: jsonObject,
  compensations: z.array(jsonObject).max(1_000),
  resolvedBy: z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('region'), region }),
    z.strictObject({
      kind: z.literal('operator'),
      region,
      operator: z.string().min(1).max(200),
      reason: z.string().min(1).max(2_000),
    }),
  ]),
});

export type MergeRecordReading =
  | { readonly ok: true; readonly record: MergeRecord }
  | { readonly ok: false; readonly problem: string };

/** Reads a merge event's data, which may come from a peer: nothing is trusted. */
export function readMergeRecord(
  type: unknown,
  schemaVersion: unknown,
  data: unknown,
): MergeRecordReading {
  if (type !== MERGE_EVENT_TYPE) return { ok: false, problem: `type is not ${MERGE_EVENT_TYPE}` };
  if (schemaVersion !== MERGE_SCHEMA_VERSION)
    return { ok: false, problem: `schemaVersion ${String(schemaVersion)} is not readable` };
  const parsed = mergeRecordSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, problem: `data.${issue.path.join('.')}: ${issue.message}` };
  }
  const record = parsed.data as MergeRecord;
  if (!isAscendingDistinct(record.heads) || !isAscendingDistinct(record.concurrentEvents))
    return { ok: false, problem: 'heads and concurrentEvents must be ascending and distinct' };
  if (record.heads.some((head) => !record.concurrentEvents.includes(head)))
    return { ok: false, problem: 'every head must be among the concurrent events' };
  if ((record.strategy === 'manual') !== (record.resolvedBy.kind === 'operator'))
    return { ok: false, problem: 'a manual merge is resolved by an operator, and only it' };
  return { ok: true, record };
}

/**
 * The merge event's id: a UUID (version 5 layout, SHA-1) over the stream, its
 * sorted heads and the resolver. The same fork merged twice, by two processes
 * or after a retry, gets the same id, and the store keeps the first.
 */
export function mergeEventId(
  streamId: string,
  heads: readonly string[],
  resolver: ResolverRef,
): string {
  const input = [
    'geode.merge/1',
    streamId,
    [...heads]
      .map((id) => id.toLowerCase())
      .sort()
      .join(','),
    `${resolver.name}@${resolver.version}`,
  ].join('\n');
  const bytes = createHash('sha1').update(input).digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** A fork's id in conflict queues: the same heads give the same id in every region. */
export function forkId(streamId: string, heads: readonly string[]): string {
  return mergeEventId(streamId, heads, { name: 'fork', version: 1 });
}

function isAscendingDistinct(ids: readonly string[]): boolean {
  return ids.every((id, i) => i === 0 || ids[i - 1] < id);
}
