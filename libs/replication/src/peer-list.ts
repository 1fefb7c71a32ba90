import { z } from 'zod';
import type { PeerEndpoint } from './peer-http';
import { regionId } from './wire-format';

/** A peer list a user got wrong; the message says where. */
export class PeerListError extends Error {
  override readonly name = 'PeerListError';
}

const peerUrl = z.string().refine((text) => {
  try {
    const url = new URL(text);
    return (
      (url.protocol === 'http:' || url.protocol === 'https:') &&
      url.hostname !== '' &&
      !url.search &&
      !url.hash
    );
  } catch {
    return false;
  }
}, 'must be an http:// or https:// URL without query or fragment');

const peerSchema = z.strictObject({ region: regionId, url: peerUrl });
const peerArraySchema = z.array(peerSchema);
const peersObjectSchema = z.strictObject({ peers: peerArraySchema });

/** `us-east-1=http://10.0.0.7:3000,ap-southeast-2=https://geode.ap.example` (the `GEODE_PEERS` form). */
export function parsePeerList(text: string, localRegion: string): PeerEndpoint[] {
  const items = text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  const peers = items.map((item) => {
    const at = item.indexOf('=');
    if (at < 1) throw new PeerListError(`"${item}" is not of the form <region>=<url>`);
    const candidate = { region: item.slice(0, at).trim(), url: item.slice(at + 1).trim() };
    return checkPeer(candidate, `"${item}"`);
  });
  return checkList(peers, localRegion);
}

/** The `GEODE_PEERS_FILE` form: `[{"region": …, "url": …}]` or `{"peers": [ … ]}`. */
export function parsePeersFile(json: string, localRegion: string): PeerEndpoint[] {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new PeerListError(`is not JSON (${(error as Error).message})`, { cause: error });
  }
  // Two shapes; checking the one the file has gives errors that point at the right place.
  const parsed = Array.isArray(value)
    ? peerArraySchema.safeParse(value)
    : peersObjectSchema.transform((file) => file.peers).safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PeerListError(`${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return checkList(parsed.data, localRegion);
}

function checkPeer(candidate: { region: string; url: string }, where: string): PeerEndpoint {
  const parsed = peerSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PeerListError(`${where}: ${String(issue.path[0])} ${issue.message}`);
  }
  return parsed.data;
}

function checkList(peers: PeerEndpoint[], localRegion: string): PeerEndpoint[] {
  const seen = new Set<string>();
  for (const peer of peers) {
    if (peer.region === localRegion) {
      throw new PeerListError(`names this geode's own region ${localRegion} as a peer`);
    }
    if (seen.has(peer.region)) throw new PeerListError(`names region ${peer.region} twice`);
    seen.add(peer.region);
  }
  return peers.map((peer) => ({ region: peer.region, url: peer.url.replace(/\/+$/, '') }));
}
