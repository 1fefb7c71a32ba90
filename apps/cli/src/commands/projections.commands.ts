import { setTimeout as sleep } from 'node:timers/promises';
import { CliError } from '../cli-error';
import { progressBar, table } from '../cli-output';
import type { CliCommand, CommandInput } from '../command-table';
import { OPERATOR_TOKEN_HELP, OPERATOR_TOKEN_OPTION } from '../operator-token-option';

interface Rebuild {
  phase: string;
  done: number;
  total: number;
  ratePerSecond: number | null;
  etaSeconds: number | null;
  error: string | null;
}

interface Projection {
  name: string;
  version: number;
  status: string;
  active: boolean;
  lag: { events: number; seconds?: number | null };
  deadLetters: number;
  rebuild: Rebuild | null;
}

async function regionsOf(input: CommandInput): Promise<string[]> {
  const region = input.values.region as string | undefined;
  if (region !== undefined) {
    await input.world.geodeUrl(region);
    return [region];
  }
  return (await input.world.snapshot()).geodes.map((geode) => geode.region);
}

function requireRegion(input: CommandInput): string {
  const region = input.values.region as string | undefined;
  if (region === undefined)
    throw new CliError(
      `--region is required (geode projections ${input.positionals.length ? 'rebuild|reset' : ''} <name> --region <region>)`,
      2,
    );
  return region;
}

const path = (name: string) => `/admin/v1/projections/${encodeURIComponent(name)}`;

export const projectionsListCommand: CliCommand = {
  path: ['projections', 'list'],
  usage: '[--region <region>]',
  summary: 'Projections of every region (or one): version, status, lag, dead letters, rebuilds.',
  details: `  --region <region>   only this region\n${OPERATOR_TOKEN_HELP}`,
  options: { region: { type: 'string' }, ...OPERATOR_TOKEN_OPTION },
  async run(input) {
    const regions = await regionsOf(input);
    const lists = await Promise.all(
      regions.map(async (region) => ({
        region,
        projections: (
          await input.world.geodeOk<{ projections: Projection[] }>(
            region,
            'GET',
            '/admin/v1/projections',
            { operator: true },
          )
        ).projections,
      })),
    );
    input.out.result({ regions: lists });
    for (const row of table([
      ['region', 'projection', 'version', 'status', 'lag', 'dead letters', 'rebuild'],
      ...lists.flatMap(({ region, projections }) =>
        projections.map((projection) => [
          region,
          projection.name,
          String(projection.version),
          `${projection.status}${projection.active ? '' : ' (no leader)'}`,
          `${projection.lag.events} ev`,
          String(projection.deadLetters),
          projection.rebuild
            ? `${projection.rebuild.phase} ${projection.rebuild.done}/${projection.rebuild.total}`
            : '-',
        ]),
      ),
    ]))
      input.out.line(row);
  },
};

export const projectionsRebuildCommand: CliCommand = {
  path: ['projections', 'rebuild'],
  usage: '<name> --region <region> [--no-wait]',
  summary: 'Rebuild a projection beside its live tables and swap it in; shows progress until done.',
  details: `  --region <region>   the region whose projection to rebuild (required)\n  --no-wait           start it and return\n${OPERATOR_TOKEN_HELP}`,
  options: { region: { type: 'string' }, 'no-wait': { type: 'boolean' }, ...OPERATOR_TOKEN_OPTION },
  positionals: { min: 1, max: 1 },
  async run(input) {
    const region = requireRegion(input);
    const name = input.positionals[0];
    const { world, out } = input;
    await world.geodeOk(region, 'POST', `${path(name)}/rebuild`, { body: {}, operator: true });
    out.line(`${region}: rebuilding ${name}`);
    if (input.values['no-wait']) {
      out.result({ region, name, started: true });
      return;
    }
    let stop = false;
    void input.interrupted.then(() => (stop = true));
    for (;;) {
      const projection = await world.geodeOk<Projection>(region, 'GET', path(name), {
        operator: true,
      });
      const rebuild = projection.rebuild;
      if (rebuild) {
        const eta = rebuild.etaSeconds === null ? '' : `  ETA ${rebuild.etaSeconds.toFixed(0)} s`;
        out.progress(
          `${progressBar(rebuild.phase === 'done' ? 1 : rebuild.done, rebuild.phase === 'done' ? 1 : rebuild.total)}  ${rebuild.done}/${rebuild.total}  ${rebuild.phase}${eta}`,
        );
        if (rebuild.phase === 'done') {
          out.result({ region, name, rebuild });
          out.line(`${region}: ${name} rebuilt (version ${projection.version}) and swapped in`);
          return;
        }
        if (rebuild.phase === 'failed')
          throw new CliError(
            `${region}: rebuild of ${name} failed: ${rebuild.error ?? 'no reason given'}`,
          );
      }
      if (stop) throw new CliError(`stopped watching; the rebuild of ${name} goes on in ${region}`);
      await sleep(250);
    }
  },
};

export const projectionsResetCommand: CliCommand = {
  path: ['projections', 'reset'],
  usage: '<name> --region <region>',
  summary: 'Clear a projection and replay it from the start of the log.',
  details: `  --region <region>   the region whose projection to reset (required)\n${OPERATOR_TOKEN_HELP}`,
  options: { region: { type: 'string' }, ...OPERATOR_TOKEN_OPTION },
  positionals: { min: 1, max: 1 },
  async run(input) {
    const region = requireRegion(input);
    const name = input.positionals[0];
    const answer = await input.world.geodeOk(region, 'POST', `${path(name)}/reset`, {
      body: { to: 'start' },
      operator: true,
    });
    input.out.result({ region, name, reset: answer });
    input.out.line(`${region}: ${name} cleared; it replays from the start`);
  },
};
