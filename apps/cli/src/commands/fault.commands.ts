import { CliError } from '../cli-error';
import { table } from '../cli-output';
import type { CliCommand, CommandInput } from '../command-table';
import type { WorldClient } from '../world-client';
import type { LinkStatus, RefillState } from '../world/local-world';

function showLinks(out: CommandInput['out'], links: LinkStatus[]): void {
  out.line();
  for (const row of table([
    ['link', 'state', 'delay', 'connections'],
    ...links.map((link) => [
      `${link.from} → ${link.to}`,
      link.state,
      `${link.delayMs} ms`,
      String(link.connections),
    ]),
  ]))
    out.line(`  ${row}`);
}

export const partitionCommand: CliCommand = {
  path: ['partition'],
  usage: '<region> [<region>]',
  summary:
    'Cut one region off from all others (both directions), or cut the link between two regions.',
  details:
    'Replication traffic stops on the cut links (connections reset, new ones refused) until "geode heal".\nClients still reach every region through the router.',
  positionals: { min: 1, max: 2 },
  async run({ positionals, out, world }) {
    const { links } = await world.control<{ links: LinkStatus[] }>('POST', '/world/partition', {
      regions: positionals,
    });
    out.result({ links });
    out.line(
      positionals.length === 1
        ? `${positionals[0]} is cut off from every other region`
        : `the link between ${positionals[0]} and ${positionals[1]} is cut (both directions)`,
    );
    showLinks(out, links);
  },
};

export const healCommand: CliCommand = {
  path: ['heal'],
  usage: '',
  summary: 'Restore every link between regions.',
  async run({ out, world }) {
    const { links } = await world.control<{ links: LinkStatus[] }>('POST', '/world/heal', {});
    out.result({ links });
    out.line('every link is open; pullers reconnect within a few seconds');
    showLinks(out, links);
  },
};

export const killCommand: CliCommand = {
  path: ['kill'],
  usage: '<region>',
  summary:
    "Kill a region's geode at once (SIGKILL); the world reports it and restarts it with backoff.",
  positionals: { min: 1, max: 1 },
  async run({ positionals, out, world }) {
    const answer = await world.control<{ geode: unknown }>(
      'POST',
      `/world/regions/${encodeURIComponent(positionals[0])}/kill`,
      {},
    );
    out.result(answer);
    out.line(`${positionals[0]} killed; the world restarts it`);
  },
};

/** How long `geode refill` waits for the region to serve again. */
const REFILL_WAIT_MS = 180_000;

interface RefillHealth {
  refill?: { phase: string; remaining: number };
}

/**
 * Waits until a region the world is refilling serves again: first the world
 * replaces its geode (stop, delete its data, start with --refill-from), then the
 * geode answers /health 503 `refilling` until it is done. `onProgress` hears
 * each new phase; `stopped()` true ends the wait.
 */
export async function waitForRefill(
  world: WorldClient,
  region: string,
  onProgress: (phase: string) => void,
  stopped: () => boolean = () => false,
  waitMs = REFILL_WAIT_MS,
): Promise<void> {
  const until = Date.now() + waitMs;
  let shown = '';
  const show = (phase: string) => {
    if (phase !== shown) onProgress((shown = phase));
  };
  const pause = () => new Promise((resolve) => setTimeout(resolve, 250));
  const giveUp = (last: string) => {
    if (stopped()) throw new CliError(`interrupted; ${region} goes on refilling`, 1);
    if (Date.now() > until)
      throw new CliError(
        `${region} is not serving after ${waitMs / 1000} s (last: ${last}); see its log`,
        1,
      );
  };
  for (;;) {
    const { refills } = await world.snapshot(true);
    const replacing = refills?.find((refill) => refill.region === region);
    if (replacing?.state === 'failed')
      throw new CliError(`refill of ${region} failed: ${replacing.error}`, 1);
    if (replacing?.state === 'started') break;
    show('stopping the geode and deleting its data');
    giveUp('replacing the geode');
    await pause();
  }
  for (;;) {
    const health = await world
      .geode<RefillHealth>(region, 'GET', '/health', { timeoutMs: 2_000 })
      .catch(() => undefined);
    if (health?.status === 200) return;
    const phase = health?.body?.refill
      ? `${health.body.refill.phase}, ${health.body.refill.remaining} entries to pull`
      : 'starting';
    show(phase);
    giveUp(phase);
    await pause();
  }
}

export const refillCommand: CliCommand = {
  path: ['refill'],
  usage: '<region> --from <region>',
  summary:
    'Rebuild a region from its peers: delete its data, restart it with --refill-from, wait until it serves.',
  details: [
    '  --from <region>   a peer the region must hear from before it is complete',
    '',
    "The region's geode is stopped, its database deleted (the embedded cluster's directory,",
    'or the server database with --database-url), and it is started on an empty one with',
    '--refill-from. It pulls every origin log from every peer (its own included, so its',
    'chain continues where it stopped), verifies every chain, lets its projections catch up,',
    'and meanwhile answers 503 "refilling" (the router sends traffic elsewhere). This',
    'command waits until its /health answers 200.',
  ].join('\n'),
  options: { from: { type: 'string' } },
  positionals: { min: 1, max: 1 },
  async run({ positionals, values, out, world, interrupted }) {
    const from = values.from;
    if (typeof from !== 'string' || from === '')
      throw new CliError('usage: geode refill <region> --from <region>', 2);
    const region = positionals[0];
    const { refill } = await world.control<{ refill: RefillState }>(
      'POST',
      `/world/regions/${encodeURIComponent(region)}/refill`,
      { from },
    );
    out.line(`${region}: being rebuilt from nothing with --refill-from ${from}`);
    let stop = false;
    void interrupted.then(() => (stop = true));
    await waitForRefill(
      world,
      region,
      (phase) => out.line(`  ${region}: ${phase}`),
      () => stop,
    );
    out.result({ refill: { ...refill, state: 'done' }, healthy: true });
    out.line(`${region} is refilled and serves again`);
  },
};
