import type { EventStore, StoredEvent } from '@geode/event-store';
import { mergeAuthority, type MergeAuthority } from '@geode/merge';

/**
 * Who writes merges for a stream, from the events held (ADR 0012): the first
 * home the store recorded when the stream was created (the same in every
 * region), then every move folded in canonical order. `null`: the stream has
 * no home (nobody merges it).
 */
export async function authorityOf(
  store: EventStore,
  streamId: string,
  events: readonly StoredEvent[],
): Promise<MergeAuthority<StoredEvent> | null> {
  const info = await store.streamInfo(streamId);
  if (!info?.homeRegion) return null;
  return mergeAuthority(streamId, info.homeRegion, events);
}
