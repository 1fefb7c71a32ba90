import { clientRegionOf, InvalidClientRegionHeader } from './client-region';

describe('clientRegionOf', () => {
  it('prefers CF-IPCountry, then X-Client-Region, then the default', () => {
    expect(clientRegionOf({ 'cf-ipcountry': 'de', 'x-client-region': 'us-east-1' }, 'US')).toEqual({
      key: 'DE',
      source: 'cf-ipcountry',
    });
    expect(clientRegionOf({ 'x-client-region': 'us-east-1' }, 'US')).toEqual({
      key: 'us-east-1',
      source: 'x-client-region',
    });
    expect(clientRegionOf({ 'x-client-region': 'JP' }, undefined)).toEqual({
      key: 'JP',
      source: 'x-client-region',
    });
    expect(clientRegionOf({}, 'US')).toEqual({ key: 'US', source: 'default' });
    expect(clientRegionOf({}, undefined)).toEqual({ source: 'none' });
  });

  it("treats Cloudflare's unknown and Tor countries as saying nothing", () => {
    expect(clientRegionOf({ 'cf-ipcountry': 'XX', 'x-client-region': 'eu' }, undefined).key).toBe(
      'eu',
    );
    expect(clientRegionOf({ 'cf-ipcountry': 'T1' }, 'US').key).toBe('US');
  });

  it.each([
    [{ 'cf-ipcountry': 'DEU' }],
    [{ 'cf-ipcountry': '' }],
    [{ 'x-client-region': 'EU-WEST-1' }],
    [{ 'x-client-region': '../eu' }],
    [{ 'x-client-region': 'eu west' }],
    [{ 'x-client-region': 'Jp' }],
  ])('refuses the malformed %j', (headers) => {
    expect(() => clientRegionOf(headers, undefined)).toThrow(InvalidClientRegionHeader);
  });
});
