import { parsePeerList, parsePeersFile, PeerListError } from './peer-list';

describe('peer lists', () => {
  it('parses GEODE_PEERS: region=url pairs, trimmed, trailing slashes dropped', () => {
    expect(
      parsePeerList(
        ' us-east-1=http://10.0.0.7:3000/ , ap-southeast-2=https://geode.ap.example',
        'eu-west-1',
      ),
    ).toEqual([
      { region: 'us-east-1', url: 'http://10.0.0.7:3000' },
      { region: 'ap-southeast-2', url: 'https://geode.ap.example' },
    ]);
    expect(parsePeerList('', 'eu-west-1')).toEqual([]);
  });

  it('parses GEODE_PEERS_FILE: a list, or an object with peers', () => {
    const peers = [{ region: 'us-east-1', url: 'http://a:1' }];
    expect(parsePeersFile(JSON.stringify(peers), 'eu-west-1')).toEqual(peers);
    expect(parsePeersFile(JSON.stringify({ peers }), 'eu-west-1')).toEqual(peers);
  });

  it.each([
    ['us-east-1', /not of the form <region>=<url>/],
    ['US=http://a:1', /region not a region id/],
    ['us-east-1=ftp://a', /url must be an http/],
    ['us-east-1=http://a:1?x=1', /without query/],
    ['eu-west-1=http://a:1', /own region eu-west-1/],
    ['us-east-1=http://a:1,us-east-1=http://b:1', /names region us-east-1 twice/],
  ])('refuses GEODE_PEERS=%s with one clear line', (text, message) => {
    expect(() => parsePeerList(text, 'eu-west-1')).toThrow(PeerListError);
    expect(() => parsePeerList(text, 'eu-west-1')).toThrow(message);
  });

  it('refuses a peers file that is not JSON or not peers', () => {
    expect(() => parsePeersFile('{', 'eu-west-1')).toThrow(/is not JSON/);
    expect(() => parsePeersFile('[{"region":"us-east-1"}]', 'eu-west-1')).toThrow(/0\.url/);
    expect(() =>
      parsePeersFile('[{"region":"us-east-1","url":"http://a:1","x":1}]', 'eu-west-1'),
    ).toThrow(PeerListError);
  });
});
