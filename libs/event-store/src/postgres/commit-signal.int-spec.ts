import { Client, Pool } from 'pg';
import { createTestDatabase, TestDatabase } from '../../../../test/support/test-postgres';
import { eventually, sleep } from '../testing/eventually';
import { CommitSignal, LOG_CHANNEL } from './commit-signal';

describe('CommitSignal', () => {
  let database: TestDatabase;
  let pool: Pool;
  let listener: Client;
  const heard: string[] = [];

  beforeEach(async () => {
    database = await createTestDatabase();
    pool = new Pool({ connectionString: database.url, max: 2 });
    listener = new Client({ connectionString: database.url });
    await listener.connect();
    listener.on('notification', (message) => heard.push(message.payload ?? ''));
    await listener.query(`LISTEN ${LOG_CHANNEL}`);
    heard.length = 0;
  });
  afterEach(async () => {
    await listener.end();
    await pool.end();
    await database.drop();
  });

  it('announces a lone commit at once, and folds a burst into one notification of its highest id', async () => {
    const signal = new CommitSignal(pool, 1_000);
    signal.committed('5');
    await eventually('the first commit announced', () => (heard.length === 1 ? true : undefined));
    expect(heard).toEqual(['5']);

    // Within the interval: folded, announced once, with the highest id.
    signal.committed('9');
    signal.committed('7');
    signal.committed(null); // a batch that wrote nothing says nothing
    await sleep(50);
    expect(heard).toEqual(['5']);
    await signal.flush();
    await eventually('the burst announced', () => (heard.length === 2 ? true : undefined));
    expect(heard).toEqual(['5', '9']);
  });

  it('settles at once when nothing is being announced', async () => {
    const signal = new CommitSignal(pool, 0);
    await signal.settled();
    signal.committed('3');
    await signal.settled();
    await eventually('announced', () => (heard.length === 1 ? true : undefined));
    expect(heard).toEqual(['3']);
  });
});
