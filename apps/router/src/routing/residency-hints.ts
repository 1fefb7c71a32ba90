const REGION = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const ENTITY_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$/;
const MAX_REGIONS = 64;

/**
 * The response header a geode may send on answers about an account to tell
 * the router where that account may be served: `Geode-Residency: eu-west-1,
 * eu-central-1` (a list of region ids), or `*` for no restriction. It applies
 * to the account named by the request path, or by the `Location` of a 201.
 */
export const RESIDENCY_HINT_HEADER = 'geode-residency';

/** Regions of a `Geode-Residency` value; `null` for `*`; `undefined` when malformed (ignored). */
export function parseResidencyHint(value: string): readonly string[] | null | undefined {
  const trimmed = value.trim();
  if (trimmed === '*') return null;
  return regionList(trimmed.split(',').map((region) => region.trim()));
}

/**
 * A geode's `residency-violation` problem (ADR 0005: `accountId`,
 * `allowedRegions`), checked like any untrusted input.
 */
export function residencyFromProblem(
  problem: Record<string, unknown>,
): { accountId: string; allowedRegions: readonly string[] } | undefined {
  if (problem.type !== 'residency-violation') return undefined;
  const { accountId, allowedRegions } = problem;
  if (typeof accountId !== 'string' || !ENTITY_ID.test(accountId)) return undefined;
  if (!Array.isArray(allowedRegions)) return undefined;
  const regions = regionList(allowedRegions);
  return regions === undefined ? undefined : { accountId, allowedRegions: regions };
}

/** The account a `Location: /v1/accounts/<id>` names. */
export function accountOfLocation(location: string | undefined): string | undefined {
  const found = location === undefined ? null : /^\/v1\/accounts\/([^/?#]+)$/.exec(location);
  return found && ENTITY_ID.test(found[1]) ? found[1] : undefined;
}

function regionList(values: readonly unknown[]): readonly string[] | undefined {
  if (values.length === 0 || values.length > MAX_REGIONS) return undefined;
  for (const value of values)
    if (typeof value !== 'string' || value.length > 63 || !REGION.test(value)) return undefined;
  return values as string[];
}
