import { GeodeWorld } from '../support/geode-world';
import {
  chainsVerify,
  replicaFingerprint,
  waitForConvergence,
  writeSome,
} from './replication-world';

jest.setTimeout(60_000);

const [EU, US, AP] = ['eu-west-1', 'us-east-1', 'ap-southeast-2'];

describe('replication: three geodes written to at once converge', () => {
  let world: GeodeWorld;
  beforeAll(async () => {
    world = await GeodeWorld.start([EU, US, AP]);
  });
  afterAll(() => world?.close());

  it('writes in every region reach every region: identical event sets, origin chains and vectors', async () => {
    await Promise.all([EU, US, AP].map((region) => writeSome(world.geode(region), 5, 3)));
    await waitForConvergence(world);

    const [eu, us, ap] = await Promise.all(
      [EU, US, AP].map((r) => replicaFingerprint(world.geode(r))),
    );
    expect(eu.events).toHaveLength(3 * 5 * 4);
    expect(eu.knowledge).toEqual({ [EU]: 20, [US]: 20, [AP]: 20 });
    expect(us).toEqual(eu);
    expect(ap).toEqual(eu);
    expect(await chainsVerify(world)).toEqual([]);
  });
});
