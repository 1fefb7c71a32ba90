import { CliError } from './cli-error';

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000 };

/** `80ms`, `1.5s`, `2m` or a bare number of milliseconds → whole milliseconds. */
export function parseDuration(text: string, flag: string): number {
  const found = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!found)
    throw new CliError(`${flag} must be a duration such as 80ms or 1s (got "${text}")`, 2);
  const ms = Math.round(Number(found[1]) * UNITS[found[2] ?? 'ms']);
  if (ms > 60_000) throw new CliError(`${flag} must be at most 60s (got "${text}")`, 2);
  return ms;
}
