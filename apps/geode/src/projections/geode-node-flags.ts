/**
 * V8 flags every geode process starts with: `npm run start:geode`, the local world and the
 * Docker image pass them to `node`, and the projections benchmark starts its geode with
 * them (a spec checks they agree). They cannot be set from inside: V8 sizes its heap at
 * start. A rebuild keeps little alive (a page or two of events) but allocates fast, and on
 * a 4 GiB heap limit V8 sizes for speed, not memory (ADR 0006, measured in a geode rebuilding
 * 200,000 events: peak RSS 347 MiB with the first flag alone, 220 with a 1 GiB old space, 200
 * with 512 MiB):
 * - the young generation grows to 2 × 64 MiB; 2 × 8 MiB costs a rebuild nothing measurable;
 * - the old generation may grow to about four times what is live before it is marked; under
 *   a 2 GiB limit the factor drops towards 1.3. 512 MiB is still ten times what a geode
 *   keeps alive while rebuilding (about 50 MiB).
 */
export const GEODE_NODE_FLAGS: readonly string[] = [
  '--max-semi-space-size=8',
  '--max-old-space-size=512',
];
