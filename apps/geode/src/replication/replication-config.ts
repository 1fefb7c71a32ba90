import { readFileSync } from 'node:fs';
import {
  parsePeerList,
  parsePeersFile,
  type PeerEndpoint,
  type SyncLevel,
} from '@geode/replication';

/** Replication settings of a geode (validated at start). */
export interface ReplicationConfig {
  /** The geodes this one pulls from (and serves); empty = replication off. */
  peers: PeerEndpoint[];
  /** Idle feeds send a heartbeat this often; a puller gives a link up after 3× without a byte. */
  heartbeatMs: number;
  /** Longest wait between reconnect attempts (capped exponential backoff with full jitter). */
  retryMaxMs: number;
  /**
   * Peers this geode is being refilled from (`--refill-from`, `GEODE_REFILL_FROM`): it
   * serves no writes until it holds everything they held when first heard from.
   * Empty: not refilling.
   */
  refillFrom: string[];
  /** Streams whose writes wait for other regions' acknowledgements (`GEODE_SYNC_*`). */
  sync: SyncPolicy;
}

export interface SyncPolicy {
  /**
   * Category → level (`quorum`: a majority of the regions allowed to hold the
   * stream, this one included; `all`: every one of them). Others are asynchronous.
   */
  categories: Record<string, SyncLevel>;
  /** How long a synchronous write waits for acknowledgements before answering 503. */
  timeoutMs: number;
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
  /** `GEODE_REFILL_FROM` or `--refill-from`: `region[,region…]`. */
  refillFrom?: string;
  /** `GEODE_SYNC_CATEGORIES`: `category:quorum|all,…` */
  syncCategories?: string;
  syncTimeoutMs: number;
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
  return {
    peers,
    heartbeatMs: settings.heartbeatMs,
    retryMaxMs: settings.retryMaxMs,
    refillFrom: refillSources(settings.refillFrom, peers),
    sync: {
      categories: syncCategories(settings.syncCategories),
      timeoutMs: settings.syncTimeoutMs,
    },
  };
}

/** Every refill source must be a configured peer: that is where its log comes from. */
function refillSources(text: string | undefined, peers: PeerEndpoint[]): string[] {
  if (text === undefined || text.trim() === '') return [];
  const regions = [...new Set(text.split(',').map((item) => item.trim()))];
  for (const region of regions) {
    if (!peers.some((peer) => peer.region === region)) {
      throw new ReplicationConfigError(
        'GEODE_REFILL_FROM',
        `names "${region}", which is not a configured peer (GEODE_PEERS)`,
      );
    }
  }
  return regions;
}

const CATEGORY = /^[a-z][a-zA-Z0-9]*$/;

function syncCategories(text: string | undefined): Record<string, SyncLevel> {
  const categories: Record<string, SyncLevel> = {};
  if (text === undefined || text.trim() === '') return categories;
  for (const item of text.split(',').map((part) => part.trim())) {
    const [category, level, extra] = item.split(':');
    if (
      extra !== undefined ||
      !CATEGORY.test(category ?? '') ||
      (level !== 'quorum' && level !== 'all')
    ) {
      throw new ReplicationConfigError(
        'GEODE_SYNC_CATEGORIES',
        `"${item}" is not of the form <category>:quorum or <category>:all`,
      );
    }
    categories[category] = level;
  }
  return categories;
}
