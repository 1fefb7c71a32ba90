import { Client } from 'pg';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-postgres';
import { ChangeSignal } from './change-signal';

/** Whether `waiting` settles within `ms`. */
async function settlesWithin(waiting: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const settled = await Promise.race([waiting.then(() => true as const), timedOut]);
  clearTimeout(timer);
  return settled;
}

describe('ChangeSignal against a real database', () => {
  let database: TestDatabase;
  let signal: ChangeSignal;
  let peerProcess: ChangeSignal;
  let sequencer: Client;

  beforeEach(async () => {
    database = await createTestDatabase();
    signal = new ChangeSignal(database.url);
    peerProcess = new ChangeSignal(database.url);
    await Promise.all([signal.start(), peerProcess.start()]);
    sequencer = new Client({ connectionString: database.url });
    await sequencer.connect();
  });

  afterEach(async () => {
    await sequencer.end();
    await Promise.all([signal.stop(), peerProcess.stop()]);
    await database.drop();
  });

  it('wakes a wait for this region’s stamps on a stamp, not on entries applied from peers', async () => {
    const seenOwn = signal.ownVersion;
    const forOwn = signal.waitForOwn(seenOwn, 10_000);
    // Applied here, by this process and by another process of the region: no news to it.
    signal.announceReplicated();
    peerProcess.announceReplicated();
    expect(await settlesWithin(forOwn, 500)).toBe(false);
    await sequencer.query(`SELECT pg_notify('geode_stamped', 'eu-west-1:1')`);
    expect(await settlesWithin(forOwn, 5_000)).toBe(true);
    expect(signal.ownVersion).toBeGreaterThan(seenOwn);
  });

  it('wakes a wait for any change on entries applied by another process of the region', async () => {
    const forAny = signal.wait(signal.version, 10_000);
    peerProcess.announceReplicated();
    expect(await settlesWithin(forAny, 5_000)).toBe(true);
  });
});
