import type { EventStore } from '../event-store.port';
import { eventually } from './eventually';

/**
 * Waits until the local log shows at least `count` events. A log read stops
 * below the oldest transaction still running anywhere on the server (ADR 0004),
 * so on a server shared with other work (other test files creating databases,
 * say) what was just committed can take a moment to show; it never shows out
 * of order or not at all.
 */
export async function untilLogShows(
  store: Pick<EventStore, 'readAll'>,
  count: number,
  timeoutMs = 10_000,
): Promise<void> {
  await eventually(
    `the log to show ${count} events`,
    async () => ((await store.readAll({ limit: count })).length >= count ? true : undefined),
    timeoutMs,
  );
}
