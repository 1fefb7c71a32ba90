import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Client } from 'pg';
import { chromium, type Browser } from 'playwright-core';
import { createDataDir } from '../support/data-dir';
import { testServerUrl } from '../support/test-postgres';
import { startWorld, type WorldProcess } from './world-process';

// A real headless Chromium (Debian's `chromium`) against the router's /console in a running world.
jest.setTimeout(120_000);

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const REGIONS = ['eu-west-1', 'us-east-1', 'ap-northeast-1'];

if (!existsSync(CHROMIUM)) {
  // Said loudly and failed, not skipped: CI installs it (.ci/run), so its absence is a broken machine.
  test(`the console test needs ${CHROMIUM} (apt-get install -y chromium): it is missing`, () => {
    throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  });
} else {
  describe('the console at the router’s /console, in headless Chromium', () => {
    let world: WorldProcess;
    let browser: Browser;
    let dataDir: string;
    const prefix = `console_${randomBytes(4).toString('hex')}`;

    beforeAll(async () => {
      // The run's PostgreSQL server (DATABASE_URL or the embedded one): one database per region.
      const server = new URL(testServerUrl());
      const template = `${server.protocol}//${server.username}${server.password ? `:${server.password}` : ''}@${server.host}/${prefix}_{region}`;
      // Certificates, logs and the router's file go here; the databases are on the server.
      dataDir = await createDataDir('console-e2e');
      [world, browser] = await Promise.all([
        startWorld(['--database-url', template, '--data-dir', dataDir]),
        chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS }),
      ]);
    });

    afterAll(async () => {
      await browser?.close();
      if (world) expect(await world.interrupt()).toBe(0);
      const client = new Client({ connectionString: testServerUrl() });
      await client.connect();
      try {
        for (const region of REGIONS)
          await client.query(
            `DROP DATABASE IF EXISTS ${client.escapeIdentifier(`${prefix}_${region.replaceAll('-', '_')}`)} WITH (FORCE)`,
          );
      } finally {
        await client.end();
      }
      await rm(dataDir, { recursive: true, force: true });
    });

    it('shows three healthy regions, then a partition triggered from the page, then the heal', async () => {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(`${world.routerUrl}/console`);
      // Polled through the locator API: the page's CSP forbids evaluating strings in it.
      const rows = (filter: string) => page.locator(`#links tbody tr${filter}`).count();
      const until = async (what: string, probe: () => Promise<boolean>, ms = 10_000) => {
        const deadline = Date.now() + ms;
        while (!(await probe())) {
          if (Date.now() > deadline) throw new Error(`the console never showed ${what}`);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      };

      for (const region of REGIONS)
        await page.waitForSelector(
          `[data-testid=region-card][data-region="${region}"][data-state=up]`,
          {
            timeout: 30_000,
          },
        );
      expect(await page.locator('[data-testid=region-card]').count()).toBe(3);
      await page.waitForSelector('#links tbody tr[data-state=open]');
      expect(await page.locator('#links tbody tr[data-state=cut]').count()).toBe(0);

      await page.click('button[data-action=partition][data-region="us-east-1"]');
      // Every link of us-east-1, both directions, shows cut; the others stay open.
      await until(
        '4 cut links',
        async () => (await rows('[data-link*="us-east-1"][data-state=cut]')) === 4,
      );
      expect(await rows('[data-state=cut]')).toBe(4);
      expect(await rows('[data-link="eu-west-1>ap-northeast-1"][data-state=open]')).toBe(1);
      // The puller column follows: the geodes notice that the link is down.
      const puller = page.locator(
        '#links tbody tr[data-link="eu-west-1>us-east-1"] td:nth-child(3)',
      );
      await until(
        'eu-west-1 no longer streaming from us-east-1',
        async () => (await puller.textContent()) !== 'streaming',
        20_000,
      );

      await page.click('#heal');
      await until('no cut link', async () => (await rows('[data-state=cut]')) === 0);
      await until(
        'eu-west-1 streaming from us-east-1 again',
        async () => (await puller.textContent()) === 'streaming',
        20_000,
      );
      expect(errors).toEqual([]);
    });

    it('refuses a control that is not JSON (no cross-site form posts) and unknown console paths', async () => {
      const form = await fetch(`${world.routerUrl}/console/api/world/heal`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'a=1',
      });
      expect(form.status).toBe(415);
      expect(form.headers.get('content-type')).toContain('application/problem+json');
      const unknown = await fetch(`${world.routerUrl}/console/api/world/regions/../kill`);
      expect(unknown.status).toBeGreaterThanOrEqual(400);
      const get = await fetch(`${world.routerUrl}/console/api/world/heal`);
      expect(get.status).toBe(405);
    });
  });
}
