import { loadPeerAuthConfig } from '../load-peer-auth-config';
import { pairwisePeerKeys } from './peer-keys';

describe('pairwisePeerKeys', () => {
  it('gives each link one key, held by both of its ends, in the GEODE_PEER_KEYS form', () => {
    const regions = ['eu-west-1', 'us-east-1', 'ap-northeast-1'];
    const env = pairwisePeerKeys(regions);
    const configs = new Map(
      regions.map((r) => [r, loadPeerAuthConfig({ GEODE_PEER_KEYS: env.get(r) }, r)]),
    );
    const key = (from: string, to: string) => configs.get(from)!.keys.get(to)![0];
    expect(key('eu-west-1', 'us-east-1').equals(key('us-east-1', 'eu-west-1'))).toBe(true);
    expect(key('eu-west-1', 'us-east-1').equals(key('eu-west-1', 'ap-northeast-1'))).toBe(false);
    expect(configs.get('ap-northeast-1')!.peers).toEqual(['eu-west-1', 'us-east-1']);
  });
});
