import { PreferenceTable } from './preference-table';

describe('PreferenceTable', () => {
  const table = new PreferenceTable({
    preferences: { DE: ['eu-west-1', 'us-east-1'], eu: ['eu-west-1'], JP: ['ap-southeast-1'] },
    fallback: ['us-east-1', 'eu-west-1', 'ap-southeast-1'],
  });

  it('orders a known country or region by its list, then the rest of the fallback', () => {
    expect(table.orderFor('DE')).toEqual(['eu-west-1', 'us-east-1', 'ap-southeast-1']);
    expect(table.orderFor('JP')).toEqual(['ap-southeast-1', 'us-east-1', 'eu-west-1']);
    expect(table.orderFor('eu')).toEqual(['eu-west-1', 'us-east-1', 'ap-southeast-1']);
  });

  it("puts a geode's own region first for a client that names it", () => {
    expect(table.orderFor('ap-southeast-1')).toEqual(['ap-southeast-1', 'us-east-1', 'eu-west-1']);
  });

  it('sends unknown and absent keys to the fallback order', () => {
    expect(table.orderFor('BR')).toEqual(['us-east-1', 'eu-west-1', 'ap-southeast-1']);
    expect(table.orderFor(undefined)).toEqual(['us-east-1', 'eu-west-1', 'ap-southeast-1']);
  });
});
