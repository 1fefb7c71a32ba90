import { CliError } from '../cli-error';
import { table } from '../cli-output';
import type { CliCommand, CommandInput } from '../command-table';
import type { LinkStatus } from '../world/local-world';

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

export const refillCommand: CliCommand = {
  path: ['refill'],
  usage: '<region> --from <region>',
  summary: 'Rebuild a region from a peer (not available yet).',
  details:
    '  --from <region>   the peer to copy from\n\nThe geode has no --refill-from yet: this command says so and exits 2.',
  options: { from: { type: 'string' } },
  positionals: { min: 0, max: 1 },
  // eslint-disable-next-line @typescript-eslint/require-await
  async run() {
    throw new CliError(
      'refill is not available yet: the geode has no --refill-from (a region rebuilt from nothing already catches up from its peers by replication)',
      2,
    );
  },
};
