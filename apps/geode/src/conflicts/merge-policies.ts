import type { MergePolicy } from '@geode/merge';

/** DI token: the merge policies of the domain modules this geode serves, one per stream category. */
export const MERGE_POLICIES = Symbol('MERGE_POLICIES');

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each policy folds its own state
export type MergePolicies = readonly MergePolicy<any>[];

export function policyForStream(policies: MergePolicies, streamId: string) {
  const category = streamId.slice(0, streamId.indexOf('-'));
  return policies.find((policy) => policy.category === category) ?? null;
}
