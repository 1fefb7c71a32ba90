/**
 * What a geode's `GET /health` answer tells the router. The body is untrusted
 * input and is read defensively. Lag fields (optional; a geode that does not
 * report them is never ranked down for lag), in terminus' indicator shape:
 *
 *   { "status": "ok", "region": "eu-west-1",
 *     "details": { "replication": { "status": "up", "lagMs": 120 },
 *                  "projections": { "status": "up", "lagMs": 35 } } }
 *
 * The router uses the larger of `details.replication.lagMs` and
 * `details.projections.lagMs`.
 */
export type HealthAnswer =
  { healthy: true; lagMs: number | null } | { healthy: false; error: string };

const LAG_INDICATORS = ['replication', 'projections'] as const;

export function readHealthAnswer(
  statusCode: number,
  body: string,
  expectedRegion: string,
): HealthAnswer {
  if (statusCode !== 200) return { healthy: false, error: `health answered ${statusCode}` };
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { healthy: false, error: 'health answer is not JSON' };
  }
  if (json === null || typeof json !== 'object')
    return { healthy: false, error: 'health answer is not a JSON object' };
  const answer = json as { status?: unknown; region?: unknown; details?: unknown };
  if (answer.status !== 'ok') return { healthy: false, error: 'health status is not "ok"' };
  // A geode answering for another region is a wiring mistake: sending it this region's users would be wrong.
  if (answer.region !== expectedRegion)
    return {
      healthy: false,
      error: `geode says it serves ${typeof answer.region === 'string' ? answer.region.slice(0, 63) : 'no region'}, configured as ${expectedRegion}`,
    };
  return { healthy: true, lagMs: lagOf(answer.details) };
}

function lagOf(details: unknown): number | null {
  if (details === null || typeof details !== 'object') return null;
  let lag: number | null = null;
  for (const name of LAG_INDICATORS) {
    const indicator = (details as Record<string, unknown>)[name];
    if (indicator === null || typeof indicator !== 'object') continue;
    const value = (indicator as { lagMs?: unknown }).lagMs;
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0)
      lag = Math.max(lag ?? 0, value);
  }
  return lag;
}
