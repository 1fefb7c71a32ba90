import { CliError } from '../cli-error';
import { table } from '../cli-output';
import type { CliCommand } from '../command-table';
import type { WorldClient } from '../world-client';
import { OPERATOR_TOKEN_HELP, OPERATOR_TOKEN_OPTION } from '../operator-token-option';

export interface ChainReport {
  region: string;
  verified: boolean;
  chains: {
    origin: string;
    held: number;
    checked: number;
    firstBroken: null | { seq: number; reason: string };
  }[];
}

/** Each region verifies every origin chain it holds (GET /admin/v1/audit/chains). */
export async function verifyChains(world: WorldClient, regions?: string[]): Promise<ChainReport[]> {
  const targets = regions ?? (await world.snapshot()).geodes.map((geode) => geode.region);
  return Promise.all(
    targets.map((region) =>
      world.geodeOk<ChainReport>(region, 'GET', '/admin/v1/audit/chains', {
        timeoutMs: 60_000,
        operator: true,
      }),
    ),
  );
}

export const auditVerifyCommand: CliCommand = {
  path: ['audit', 'verify'],
  usage: '[--region <region>]',
  summary:
    'Verify the hash chain of every origin log, in every region (or one): exit 1 on any break.',
  details: `  --region <region>   only this region\n${OPERATOR_TOKEN_HELP}`,
  options: { region: { type: 'string' }, ...OPERATOR_TOKEN_OPTION },
  async run({ values, out, world }) {
    const region = values.region as string | undefined;
    if (region !== undefined) await world.geodeUrl(region);
    const reports = await verifyChains(world, region === undefined ? undefined : [region]);
    out.result({ verified: reports.every((report) => report.verified), regions: reports });
    for (const row of table([
      ['region', 'origin', 'entries', 'chain'],
      ...reports.flatMap((report) =>
        report.chains.length
          ? report.chains.map((chain) => [
              report.region,
              chain.origin,
              String(chain.checked),
              chain.firstBroken
                ? `BROKEN at seq ${chain.firstBroken.seq}: ${chain.firstBroken.reason}`
                : 'verified',
            ])
          : [[report.region, '-', '0', 'no events yet']],
      ),
    ]))
      out.line(row);
    const broken = reports.filter((report) => !report.verified);
    if (broken.length)
      throw new CliError(`chain verification failed in ${broken.map((r) => r.region).join(', ')}`);
    out.line();
    out.line('every chain verifies');
  },
};
