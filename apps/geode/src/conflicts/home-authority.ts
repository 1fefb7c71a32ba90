import type { EventStore, StoredEvent } from '@geode/event-store';
import { mergeAuthority, type MergeAuthority } from '@geode/merge';
import type { MergePolicies } from './merge-policies';

/**
 * Who writes merges for a stream, from the events held (ADR 0012): the home
 * the stream was created with (read from its events by its policy, the same in
 * every region; else the store's stream metadata, known where it was created),
 * then every move folded in canonical order. `null`: no home is known (nobody
 * merges it).
 */
export async function authorityOf(
  store: EventStore,
  policy: MergePolicies[number] | null,
  streamId: string,
  events: readonly StoredEvent[],
): Promise<MergeAuthority<StoredEvent> | null> {
  const firstHome =
    policy?.firstHome?.(events) ?? (await store.streamInfo(streamId))?.homeRegion ?? null;
  return firstHome === null ? null : mergeAuthority(streamId, firstHome, events);
}
