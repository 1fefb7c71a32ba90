/**
 * The link proxy the local world puts on every directed link between regions
 * (cut, black-hole, heal, one-way delay): tests use the same one.
 */
export { LinkProxy } from '../../apps/cli/src/world/link-proxy';
export type { LinkProxyOptions } from '../../apps/cli/src/world/link-proxy';
