import { table } from '../cli-output';
import type { CliCommand } from '../command-table';
import type { WorldClient } from '../world-client';

interface ReplicationStatus {
  region: string;
  vector: Record<string, number>;
  lag: Record<string, { events: number; ms: number }>;
  peers: { peer: string; state: string; lastError: { message: string } | null }[];
}

export interface RegionStatus {
  region: string;
  url: string;
  process: string;
  restarts: number;
  healthy: boolean;
  vector: Record<string, number> | null;
  lagEvents: number | null;
  links: { peer: string; state: string; lastError: string | null }[];
  error: string | null;
}

/** Every region: process, health, knowledge vector, lag and its pullers' link states. */
export async function regionStatuses(world: WorldClient): Promise<RegionStatus[]> {
  const snapshot = await world.snapshot(true);
  return Promise.all(
    snapshot.geodes.map(async (geode): Promise<RegionStatus> => {
      const base = {
        region: geode.region,
        url: geode.url,
        process: geode.state,
        restarts: geode.restarts,
      };
      try {
        const [health, replication] = await Promise.all([
          world.geode(geode.region, 'GET', '/health', { timeoutMs: 3_000 }),
          world.geode<ReplicationStatus>(geode.region, 'GET', '/replication/v1/status', {
            timeoutMs: 3_000,
          }),
        ]);
        const status = replication.status === 200 ? replication.body : null;
        return {
          ...base,
          healthy: health.status === 200,
          vector: status?.vector ?? null,
          lagEvents: status
            ? Object.values(status.lag).reduce((sum, lag) => sum + lag.events, 0)
            : null,
          links: (status?.peers ?? []).map((peer) => ({
            peer: peer.peer,
            state: peer.state,
            lastError: peer.lastError?.message ?? null,
          })),
          error: null,
        };
      } catch (error) {
        return {
          ...base,
          healthy: false,
          vector: null,
          lagEvents: null,
          links: [],
          error: (error as Error).message,
        };
      }
    }),
  );
}

function vectorText(vector: Record<string, number> | null): string {
  if (!vector) return '-';
  const entries = Object.entries(vector).sort();
  return entries.length ? entries.map(([origin, seq]) => `${origin}:${seq}`).join(' ') : '(empty)';
}

export const statusCommand: CliCommand = {
  path: ['status'],
  usage: '',
  summary:
    'Regions, their health, knowledge vectors, replication lag and links; the router and the world links.',
  async run({ out, world }) {
    const [regions, snapshot] = await Promise.all([regionStatuses(world), world.snapshot()]);
    out.result({
      router: { url: snapshot.routerUrl, ...snapshot.router },
      consoleUrl: snapshot.consoleUrl,
      regions,
      links: snapshot.links,
    });
    out.line(
      `router   ${snapshot.routerUrl} (${snapshot.router.state})   console ${snapshot.consoleUrl}`,
    );
    out.line();
    for (const row of table([
      ['region', 'process', 'health', 'lag', 'vector', 'pulling from'],
      ...regions.map((region) => [
        region.region,
        `${region.process}${region.restarts ? ` (restarted ${region.restarts}×)` : ''}`,
        region.healthy ? 'ok' : 'DOWN',
        region.lagEvents === null ? '-' : `${region.lagEvents} ev`,
        vectorText(region.vector),
        region.links.map((link) => `${link.peer}=${link.state}`).join(' ') || '-',
      ]),
    ]))
      out.line(row);
    const cut = snapshot.links.filter((link) => link.state !== 'open');
    out.line();
    out.line(
      cut.length
        ? `cut links: ${cut.map((link) => `${link.from}→${link.to}`).join(', ')}`
        : `every link open${snapshot.wanDelayMs ? ` (WAN delay ${snapshot.wanDelayMs} ms each way)` : ''}`,
    );
    return regions.every((region) => region.healthy) ? 0 : 1;
  },
};
