import { isRegionId } from './peer-region';

/**
 * A geode's certificate names its region as a SAN URI `geode://region/<id>`
 * (ADR 0009): a URI cannot be confused with a host name, and the SAN is what
 * verifiers read, unlike a free-form CN.
 */
export const REGION_URI_PREFIX = 'geode://region/';

export function regionUri(region: string): string {
  return `${REGION_URI_PREFIX}${region}`;
}

/**
 * The region a certificate names, from Node's `subjectaltname` string
 * (`DNS:localhost, IP Address:127.0.0.1, URI:geode://region/eu-west-1`), or
 * undefined when it names none or more than one (an ambiguous identity is no identity).
 */
export function regionOfCertificate(subjectAltName: string | undefined): string | undefined {
  if (!subjectAltName) return undefined;
  const regions = subjectAltName
    .split(', ')
    .filter((entry) => entry.startsWith(`URI:${REGION_URI_PREFIX}`))
    .map((entry) => entry.slice(`URI:${REGION_URI_PREFIX}`.length));
  if (regions.length !== 1 || !isRegionId(regions[0])) return undefined;
  return regions[0];
}

/** Extended key usage OIDs (RFC 5280): what a certificate may be used for. */
export const SERVER_AUTH_OID = '1.3.6.1.5.5.7.3.1';
export const CLIENT_AUTH_OID = '1.3.6.1.5.5.7.3.2';

/** An absent EKU extension means any use (RFC 5280 §4.2.1.12). */
export function allowsUsage(extKeyUsage: readonly string[] | undefined, oid: string): boolean {
  return extKeyUsage === undefined || extKeyUsage.length === 0 || extKeyUsage.includes(oid);
}
