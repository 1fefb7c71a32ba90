import type { IncomingHttpHeaders } from 'node:http';

const COUNTRY = /^[A-Za-z]{2}$/;
const UPPER_COUNTRY = /^[A-Z]{2}$/;
const REGION = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
/** Cloudflare's values for "unknown" and "Tor": they say nothing about where the client is. */
const NO_COUNTRY = new Set(['XX', 'T1']);

export type ClientRegionSource = 'cf-ipcountry' | 'x-client-region' | 'default' | 'none';

export interface ClientRegion {
  /** A country code (`DE`) or a region id (`eu-west-1`); absent when nothing says. */
  key?: string;
  source: ClientRegionSource;
}

/** A client-region header that is present but is neither a country code nor a region id. */
export class InvalidClientRegionHeader extends Error {
  override readonly name = 'InvalidClientRegionHeader';
  constructor(
    readonly header: string,
    detail: string,
  ) {
    super(detail);
  }
}

/**
 * Where the client is: Cloudflare's `CF-IPCountry` first (set by the edge,
 * closest to the truth), then the caller's `X-Client-Region`, then the
 * configured default. A malformed value is refused rather than guessed at.
 */
export function clientRegionOf(
  headers: IncomingHttpHeaders,
  defaultKey: string | undefined,
): ClientRegion {
  const country = single(headers['cf-ipcountry']);
  if (country !== undefined) {
    const value = country.trim();
    if (!COUNTRY.test(value) && !NO_COUNTRY.has(value))
      throw new InvalidClientRegionHeader(
        'CF-IPCountry',
        'CF-IPCountry must be a two-letter country code',
      );
    const upper = value.toUpperCase();
    if (!NO_COUNTRY.has(upper)) return { key: upper, source: 'cf-ipcountry' };
  }
  const region = single(headers['x-client-region']);
  if (region !== undefined) {
    const value = region.trim();
    // Upper case names a country (DE), lower case a region (eu, eu-west-1): the table's two kinds of key.
    if (UPPER_COUNTRY.test(value)) return { key: value, source: 'x-client-region' };
    if (value.length <= 63 && REGION.test(value)) return { key: value, source: 'x-client-region' };
    throw new InvalidClientRegionHeader(
      'X-Client-Region',
      'X-Client-Region must be a country code (DE) or a region id (eu-west-1)',
    );
  }
  return defaultKey === undefined ? { source: 'none' } : { key: defaultKey, source: 'default' };
}

/** Repeated copies are refused before this runs (request checks); join defensively anyway. */
function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(',') : value;
}
