import { readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { eventually } from '../../libs/event-store/src/testing/eventually';
import { createDataDir } from '../support/data-dir';
import { pidsMentioning } from '../support/geode-process';
import { runCli, startWorld, type WorldProcess } from './world-process';

// Three geodes on embedded PostgreSQL clusters (what `npm start` runs), the router, link proxies.
jest.setTimeout(180_000);

interface StatusJson {
  regions: {
    region: string;
    healthy: boolean;
    links: { peer: string; state: string }[];
    vector: Record<string, number> | null;
  }[];
  links: { from: string; to: string; state: string }[];
}

describe('geode world (embedded databases) and the CLI against it', () => {
  let dataDir: string;
  let world: WorldProcess;
  const cli = (...args: string[]) => runCli([...args, '--world', world.controlUrl]);
  const status = async () => {
    const run = await cli('status', '--json');
    return JSON.parse(run.stdout) as StatusJson;
  };
  const link = (all: StatusJson, region: string, peer: string) =>
    all.regions.find((r) => r.region === region)?.links.find((l) => l.peer === peer)?.state;

  beforeAll(async () => {
    dataDir = await createDataDir('world-e2e');
    const startedAt = Date.now();
    world = await startWorld(['--data-dir', dataDir, '--wan-delay', '5ms']);
    expect(Date.now() - startedAt).toBeLessThan(60_000);
  });

  afterAll(async () => {
    if (world) await world.interrupt();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('prints the router, console, geode and control URLs, and every geode serves HTTPS', () => {
    expect(world.output()).toMatch(/router\s+http:\/\/127\.0\.0\.1:\d+/);
    expect(world.output()).toMatch(/console\s+http:\/\/127\.0\.0\.1:\d+\/console/);
    for (const region of ['eu-west-1', 'us-east-1', 'ap-northeast-1'])
      expect(world.output()).toMatch(
        new RegExp(`geode\\s+https://127\\.0\\.0\\.1:\\d+\\s+${region}`),
      );
  });

  it('status: three healthy regions, each streaming from the two others over mTLS', async () => {
    const all = await eventually(
      'every region streaming from the two others',
      async () => {
        const current = await status();
        const streaming = current.regions.every(
          (r) => r.healthy && r.links.length === 2 && r.links.every((l) => l.state === 'streaming'),
        );
        return streaming ? current : undefined;
      },
      30_000,
    );
    expect(all.regions.map((r) => r.region).sort()).toEqual([
      'ap-northeast-1',
      'eu-west-1',
      'us-east-1',
    ]);
    expect(all.links).toHaveLength(6);
    const human = await cli('status');
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/eu-west-1\s+running\s+ok/);
  });

  it('partition <a> <b> really stops replication on that link until heal', async () => {
    const cut = await cli('partition', 'eu-west-1', 'us-east-1', '--json');
    expect(cut.code).toBe(0);
    const links = (
      JSON.parse(cut.stdout) as { links: { from: string; to: string; state: string }[] }
    ).links;
    expect(
      links
        .filter((l) => l.state === 'cut')
        .map((l) => `${l.from}>${l.to}`)
        .sort(),
    ).toEqual(['eu-west-1>us-east-1', 'us-east-1>eu-west-1']);
    await eventually(
      'the cut link down, the others streaming',
      async () => {
        const all = await status();
        return link(all, 'eu-west-1', 'us-east-1') !== 'streaming' &&
          link(all, 'us-east-1', 'eu-west-1') !== 'streaming' &&
          link(all, 'eu-west-1', 'ap-northeast-1') === 'streaming'
          ? true
          : undefined;
      },
      20_000,
    );

    expect((await cli('heal')).code).toBe(0);
    await eventually(
      'the healed link streaming again',
      async () => {
        const all = await status();
        return link(all, 'eu-west-1', 'us-east-1') === 'streaming' &&
          link(all, 'us-east-1', 'eu-west-1') === 'streaming'
          ? true
          : undefined;
      },
      20_000,
    );
  });

  it('tour: every step passes, refilling a region from its peers included', async () => {
    const tour = await cli('tour');
    expect(tour.stderr).toBe('');
    expect(tour.code).toBe(0);
    expect(tour.stdout).toMatch(/tour passed: \d+ steps checked/);
    expect(tour.stdout).not.toMatch(/not available yet/);
    expect(tour.stdout).toMatch(/is refilled and healthy: balance -4000/);
    expect(tour.stdout).toContain('balance -4000');
    expect(world.output()).toMatch(/geode \S+ exited \(signal SIGKILL\); restarting/);
    expect(world.output()).toMatch(/geode \S+ is back/);
  });

  it('refill <region> --from <peer>: the region is rebuilt on an empty database and serves again', async () => {
    const refill = await cli('refill', 'us-east-1', '--from', 'eu-west-1');
    expect(refill.stderr).toBe('');
    expect(refill.code).toBe(0);
    expect(refill.stdout).toContain('us-east-1 is refilled and serves again');
  });

  it('audit verify and projections list answer for every region', async () => {
    const audit = await cli('audit', 'verify', '--json');
    expect(audit.code).toBe(0);
    const report = JSON.parse(audit.stdout) as {
      verified: boolean;
      regions: { chains: { checked: number }[] }[];
    };
    expect(report.verified).toBe(true);
    expect(report.regions).toHaveLength(3);
    expect(report.regions[0].chains.length).toBeGreaterThan(0);

    const one = await cli('audit', 'verify', '--region', 'us-east-1');
    expect(one.code).toBe(0);
    expect(one.stdout).toContain('every chain verifies');

    const projections = await cli('projections', 'list', '--region', 'eu-west-1', '--json');
    expect(projections.code).toBe(0);
    expect(JSON.stringify(JSON.parse(projections.stdout))).toContain('"ledger"');
  });

  it('operator routes: the world keeps its token owner-only, the CLI and the console send it', async () => {
    const tokenFile = join(dataDir, 'world', 'operator-token');
    expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);
    const token = (await readFile(tokenFile, 'utf8')).trim();
    const given = await cli('projections', 'list', '--region', 'eu-west-1', '--token', token);
    expect(given.code).toBe(0);
    const wrong = await cli('audit', 'verify', '--region', 'eu-west-1', '--token', 'x'.repeat(43));
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/answered 401: the operator token is not valid/);
    const { routerUrl } = (await (await fetch(`${world.controlUrl}/world`)).json()) as {
      routerUrl: string;
    };
    // The console reads each geode's recent events (an operator route) with the world's token.
    const overview = async () =>
      (await (await fetch(`${routerUrl}/console/api/overview`)).json()) as {
        regions: { recentEvents: unknown[] | null; errors: string[] }[];
      };
    const regions = await eventually('every region shows its recent events', async () => {
      const current = (await overview()).regions;
      return current.every((region) => Array.isArray(region.recentEvents)) ? current : undefined;
    });
    expect(regions).toHaveLength(3);
    for (const region of regions)
      expect(region.errors.filter((error) => error.includes('/admin/'))).toEqual([]);
  });

  it('refuses clearly: an unknown region, refill, and a world that is not there', async () => {
    const unknown = await cli('partition', 'mars-north-1');
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/^geode: no region mars-north-1 in this world/);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);

    const refill = await cli('refill', 'us-east-1');
    expect(refill.code).toBe(2);
    expect(refill.stderr).toMatch(/^geode: usage: geode refill <region> --from <region>/);

    const nowhere = await runCli(['status', '--world', 'http://127.0.0.1:9']);
    expect(nowhere.code).toBe(1);
    expect(nowhere.stderr).toMatch(/^geode: no world answers at http:\/\/127\.0\.0\.1:9/);
  });

  it('Ctrl-C stops everything: no geode, router or PostgreSQL of this world is left', async () => {
    const snapshot = (await (await fetch(`${world.controlUrl}/world`)).json()) as {
      geodes: { pid: number | null }[];
      router: { pid: number | null };
    };
    const appPids = [...snapshot.geodes.map((g) => g.pid), snapshot.router.pid];
    expect(appPids.every((pid) => typeof pid === 'number')).toBe(true);
    const code = await world.interrupt();
    expect(code).toBe(0);
    expect(world.output()).toContain('world: stopped');
    // PostgreSQL's command line names its cluster under dataDir; the world's names dataDir too.
    expect(await pidsMentioning(dataDir)).toEqual([]);
    const alive = appPids.filter((pid) => {
      try {
        return process.kill(pid!, 0);
      } catch {
        return false;
      }
    });
    expect(alive).toEqual([]);
  });
});
