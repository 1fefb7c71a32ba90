import { describeEventStoreContract } from '../testing/event-store.contract';
import { createStoreUnderTest } from '../testing/postgres-event-store.factory';

describeEventStoreContract('PostgreSQL', async () => {
  const subject = await createStoreUnderTest({ maxEventBytes: 4096 });
  return { store: subject.store, region: 'eu-west-1', close: () => subject.close() };
});
