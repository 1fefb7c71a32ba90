import { acknowledgingRegions, requiredAcknowledgements } from './sync-quorum';

describe('sync mode quorum', () => {
  it('needs a majority of the allowed regions for quorum, every one for all', () => {
    expect(requiredAcknowledgements('quorum', 3)).toBe(2);
    expect(requiredAcknowledgements('quorum', 4)).toBe(3);
    expect(requiredAcknowledgements('quorum', 1)).toBe(1);
    expect(requiredAcknowledgements('all', 3)).toBe(3);
  });

  it('counts the origin and the peers whose acknowledgement covers the seq', () => {
    const acks: Record<string, Record<string, number>> = { us: { eu: 7 }, ap: { eu: 6 } };
    expect(acknowledgingRegions('eu', 7, ['eu', 'us', 'ap'], (r) => acks[r])).toEqual(['eu', 'us']);
    // Residency: a region outside the allowed set never counts, whatever it acknowledged.
    expect(acknowledgingRegions('eu', 7, ['eu', 'ap'], (r) => acks[r])).toEqual(['eu']);
    expect(acknowledgingRegions('eu', 1, ['eu', 'xx'], (r) => acks[r])).toEqual(['eu']);
  });
});
