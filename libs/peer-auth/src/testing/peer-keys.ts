import { randomBytes } from 'node:crypto';

/**
 * Pairwise shared keys for a world of regions, as each geode's
 * GEODE_PEER_KEYS value: the link a↔b has one key, held by both ends.
 */
export function pairwisePeerKeys(regions: readonly string[]): Map<string, string> {
  const linkKeys = new Map<string, string>();
  const linkKey = (a: string, b: string) => {
    const name = [a, b].sort().join(' ');
    if (!linkKeys.has(name)) linkKeys.set(name, randomBytes(32).toString('base64'));
    return linkKeys.get(name)!;
  };
  return new Map(
    regions.map((region) => [
      region,
      regions
        .filter((peer) => peer !== region)
        .map((peer) => `${peer}=${linkKey(region, peer)}`)
        .join(','),
    ]),
  );
}
