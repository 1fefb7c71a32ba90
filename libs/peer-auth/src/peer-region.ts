/** A region id as the rest of Geode spells it (`eu-west-1`); the same rule as GEODE_REGION. */
export const PEER_REGION_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

export function isRegionId(value: string): boolean {
  return value.length <= 63 && PEER_REGION_PATTERN.test(value);
}
