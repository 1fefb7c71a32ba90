import { ProblemException } from '@geode/problem-details';
import { REGION_PATTERN } from '../config/geode-config';

/** `?origin=<region>`: one chain; absent: every origin held. */
export function parseOrigin(origin: unknown): string | undefined {
  if (origin === undefined) return undefined;
  if (typeof origin !== 'string' || !REGION_PATTERN.test(origin) || origin.length > 63)
    throw new ProblemException(400, 'validation', 'origin: must be a region id such as eu-west-1', {
      field: 'origin',
    });
  return origin;
}

/** `?limit=n`, 1–200, default 20. */
export function parseRecentLimit(limit: unknown): number {
  if (limit === undefined) return 20;
  const value = typeof limit === 'string' && /^\d{1,3}$/.test(limit) ? Number(limit) : NaN;
  if (!(value >= 1 && value <= 200))
    throw new ProblemException(400, 'validation', 'limit: must be a whole number from 1 to 200', {
      field: 'limit',
    });
  return value;
}
