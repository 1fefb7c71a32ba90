import {
  allowsUsage,
  CLIENT_AUTH_OID,
  regionOfCertificate,
  SERVER_AUTH_OID,
} from './certificate-identity';

describe('the region a certificate names', () => {
  it.each([
    ['DNS:localhost, IP Address:127.0.0.1, URI:geode://region/eu-west-1', 'eu-west-1'],
    ['URI:geode://region/us-east-1', 'us-east-1'],
    ['DNS:geode://region/eu-west-1', undefined],
    ['URI:geode://region/eu-west-1, URI:geode://region/us-east-1', undefined],
    ['URI:geode://region/EU_WEST', undefined],
    ['URI:"geode://region/eu-west-1, DNS:x"', undefined],
    ['URI:spiffe://geode/region/eu-west-1', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('%j names %s', (subjectAltName, region) => {
    expect(regionOfCertificate(subjectAltName)).toBe(region);
  });

  it('allows a use the EKU lists, or any use without an EKU', () => {
    expect(allowsUsage([SERVER_AUTH_OID, CLIENT_AUTH_OID], CLIENT_AUTH_OID)).toBe(true);
    expect(allowsUsage([SERVER_AUTH_OID], CLIENT_AUTH_OID)).toBe(false);
    expect(allowsUsage(undefined, CLIENT_AUTH_OID)).toBe(true);
  });
});
