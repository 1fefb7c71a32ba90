import { readFileSync } from 'node:fs';
import { parsePeerList, parsePeersFile, type PeerEndpoint } from '@geode/replication';

/** Replication settings of a geode (validated at start). */
export interface ReplicationConfig {
  /** The geodes this one pulls from (and serves); empty = replication off. */
  peers: PeerEndpoint[];
  /** Idle feeds send a heartbeat this often; a puller gives a link up after 3× without a byte. */
  heartbeatMs: number;
  /** Longest wait between reconnect attempts (capped exponential backoff with full jitter). */
  retryMaxMs: number;
}

/** A replication setting a user got wrong; `variable` names the setting. */
export class ReplicationConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ReplicationSettings {
  /** `GEODE_PEERS`: `region=url,…` */
  peers?: string;
  /** `GEODE_PEERS_FILE`: path of a JSON file of peers. */
  peersFile?: string;
  heartbeatMs: number;
  retryMaxMs: number;
}

/** Reads the peer list from `GEODE_PEERS` or `GEODE_PEERS_FILE` (not both). */
export function loadReplicationConfig(
  settings: ReplicationSettings,
  localRegion: string,
): ReplicationConfig {
  if (settings.peers && settings.peersFile) {
    throw new ReplicationConfigError('GEODE_PEERS', 'and GEODE_PEERS_FILE are both set; use one');
  }
  let peers: PeerEndpoint[] = [];
  if (settings.peers) {
    try {
      peers = parsePeerList(settings.peers, localRegion);
    } catch (error) {
      throw new ReplicationConfigError('GEODE_PEERS', (error as Error).message);
    }
  } else if (settings.peersFile) {
    let text: string;
    try {
      text = readFileSync(settings.peersFile, 'utf8');
    } catch (error) {
      throw new ReplicationConfigError(
        'GEODE_PEERS_FILE',
        `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      );
    }
    try {
      peers = parsePeersFile(text, localRegion);
    } catch (error) {
      throw new ReplicationConfigError('GEODE_PEERS_FILE', (error as Error).message);
    }
  }
  return { peers, heartbeatMs: settings.heartbeatMs, retryMaxMs: settings.retryMaxMs };
}
