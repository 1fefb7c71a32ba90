import { databaseUrlFor } from './world-databases';

describe('databaseUrlFor', () => {
  it('puts the region, with underscores, where {region} stands', () => {
    expect(databaseUrlFor('postgres://geode:pw@db:5432/geode_{region}', 'eu-west-1')).toBe(
      'postgres://geode:pw@db:5432/geode_eu_west_1',
    );
  });

  it('refuses a template without {region} or of another scheme', () => {
    expect(() => databaseUrlFor('postgres://db/geode', 'eu-west-1')).toThrow(
      /must contain \{region\}/,
    );
    expect(() => databaseUrlFor('mysql://db/{region}', 'eu-west-1')).toThrow(/postgres:\/\//);
  });
});
