import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import {
  allowsUsage,
  CLIENT_AUTH_OID,
  regionOfCertificate,
  SERVER_AUTH_OID,
} from './certificate-identity';
import {
  PEER_AUTH_MODES,
  PeerAuthConfig,
  PeerAuthMode,
  TlsMaterial,
  usesHmac,
  usesMtls,
} from './peer-auth-config';
import { isRegionId } from './peer-region';

/** A peer-auth setting the user got wrong; the message starts with the variable's name. */
export class PeerAuthConfigError extends Error {
  override readonly name = 'PeerAuthConfigError';
}

/** Shortest shared key accepted: 256 bits, the HMAC-SHA256 block of security. */
export const MIN_PEER_KEY_BYTES = 32;

/** The variables this loader reads (all optional). */
export interface PeerAuthEnvironment {
  GEODE_PEER_AUTH?: string;
  GEODE_PEER_REGIONS?: string;
  GEODE_TLS_CERT?: string;
  GEODE_TLS_KEY?: string;
  GEODE_TLS_CA?: string;
  GEODE_PEER_KEYS?: string;
  GEODE_PEER_KEYS_FILE?: string;
}

export interface LoadPeerAuthOptions {
  /** Reads a file named by a variable; injected by tests. */
  readFile?: (path: string) => string;
  /** Certificates must be valid at this instant (ms since the epoch). */
  nowMs?: number;
  /**
   * The allowed callers when GEODE_PEER_REGIONS is unset: the regions this
   * geode replicates with (`variable` names where they came from, for messages).
   */
  defaultPeers?: { regions: readonly string[]; variable: string };
}

const modeSchema = z.enum(PEER_AUTH_MODES as [PeerAuthMode, ...PeerAuthMode[]], {
  error: `must be one of ${PEER_AUTH_MODES.join(', ')}`,
});

/**
 * Reads and checks the peer-authentication settings of the geode of
 * `ownRegion`, once at start. With GEODE_PEER_AUTH unset the mode follows the
 * material given: a CA means mTLS, keys mean signed requests, both mean both,
 * neither means none (peer routes then refuse everyone). Secrets never appear
 * in an error message.
 */
export function loadPeerAuthConfig(
  env: PeerAuthEnvironment,
  ownRegion: string,
  options: LoadPeerAuthOptions = {},
): PeerAuthConfig {
  const readFile = options.readFile ?? ((path: string) => readFileSync(path, 'utf8'));
  const nowMs = options.nowMs ?? Date.now();
  const given = (value: string | undefined) =>
    value === undefined || value === '' ? undefined : value;

  const tls = tlsMaterial(env, readFile);
  const keys = peerKeys(env, readFile, ownRegion);
  const mode = chosenMode(given(env.GEODE_PEER_AUTH), tls, keys);

  if (usesMtls(mode)) {
    if (!tls)
      throw new PeerAuthConfigError(
        `GEODE_TLS_CERT and GEODE_TLS_KEY are required with GEODE_PEER_AUTH=${mode}`,
      );
    if (!tls.ca)
      throw new PeerAuthConfigError(`GEODE_TLS_CA is required with GEODE_PEER_AUTH=${mode}`);
  }
  if (tls) checkTlsMaterial(tls, ownRegion, usesMtls(mode), nowMs);
  if (usesHmac(mode) && keys.size === 0)
    throw new PeerAuthConfigError(
      `GEODE_PEER_KEYS (or GEODE_PEER_KEYS_FILE) is required with GEODE_PEER_AUTH=${mode}`,
    );
  if (!usesHmac(mode) && keys.size > 0)
    throw new PeerAuthConfigError(
      `GEODE_PEER_KEYS is set but GEODE_PEER_AUTH=${mode} does not use signed requests`,
    );

  const listed = peerRegions(given(env.GEODE_PEER_REGIONS), ownRegion);
  const fallback = options.defaultPeers?.regions.length ? options.defaultPeers : undefined;
  const peers = listed ?? (fallback ? [...fallback.regions] : [...keys.keys()]);
  const peersVariable = listed || !fallback ? 'GEODE_PEER_REGIONS' : fallback.variable;
  if (mode !== 'none' && peers.length === 0)
    throw new PeerAuthConfigError(
      `GEODE_PEER_REGIONS (or GEODE_PEERS) is required with GEODE_PEER_AUTH=${mode} (the regions allowed to call)`,
    );
  if (usesHmac(mode)) {
    const withoutKey = peers.find((peer) => !keys.has(peer));
    if (withoutKey)
      throw new PeerAuthConfigError(
        `GEODE_PEER_KEYS has no key for peer ${withoutKey} (named in ${peersVariable})`,
      );
    const notAPeer = [...keys.keys()].find((region) => !peers.includes(region));
    if (notAPeer)
      throw new PeerAuthConfigError(
        `GEODE_PEER_KEYS has a key for ${notAPeer}, which is not in ${peersVariable}`,
      );
  }
  return { mode, peers, keys, ...(tls && { tls }) };
}

function chosenMode(
  declared: string | undefined,
  tls: TlsMaterial | undefined,
  keys: ReadonlyMap<string, readonly Buffer[]>,
): PeerAuthMode {
  if (declared !== undefined) {
    const parsed = modeSchema.safeParse(declared);
    if (!parsed.success)
      throw new PeerAuthConfigError(
        `GEODE_PEER_AUTH ${parsed.error.issues[0].message} (got ${JSON.stringify(declared)})`,
      );
    return parsed.data;
  }
  const mtls = tls?.ca !== undefined;
  const hmac = keys.size > 0;
  if (mtls && hmac) return 'mtls+hmac';
  if (mtls) return 'mtls';
  if (hmac) return 'hmac';
  return 'none';
}

function peerRegions(list: string | undefined, ownRegion: string): string[] | undefined {
  if (list === undefined) return undefined;
  const regions = list
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const region of regions) {
    if (!isRegionId(region))
      throw new PeerAuthConfigError(
        `GEODE_PEER_REGIONS must list region ids such as us-east-1, separated by commas (got ${JSON.stringify(region)})`,
      );
    if (region === ownRegion)
      throw new PeerAuthConfigError(
        `GEODE_PEER_REGIONS must not name this geode's own region ${ownRegion}`,
      );
  }
  return [...new Set(regions)];
}

/** `region=base64` entries, separated by commas or new lines; `#` starts a comment in a file. */
function peerKeys(
  env: PeerAuthEnvironment,
  readFile: (path: string) => string,
  ownRegion: string,
): Map<string, Buffer[]> {
  const inline = env.GEODE_PEER_KEYS || undefined;
  const file = env.GEODE_PEER_KEYS_FILE || undefined;
  if (inline && file)
    throw new PeerAuthConfigError(
      'GEODE_PEER_KEYS and GEODE_PEER_KEYS_FILE are both set: choose one',
    );
  const variable = file ? 'GEODE_PEER_KEYS_FILE' : 'GEODE_PEER_KEYS';
  const text = file ? readNamedFile(variable, file, readFile) : (inline ?? '');
  const keys = new Map<string, Buffer[]>();
  const entries = text
    .split('\n')
    .map((line) => line.replace(/#.*$/, ''))
    .flatMap((line) => line.split(','))
    .map((entry) => entry.trim())
    .filter(Boolean);
  entries.forEach((entry, index) => {
    const at = `entry ${index + 1}`;
    const separator = entry.indexOf('=');
    const region = separator > 0 ? entry.slice(0, separator).trim() : '';
    if (!isRegionId(region))
      throw new PeerAuthConfigError(
        `${variable} ${at} must be <region>=<base64 key>, e.g. us-east-1=… (got no region id before "=")`,
      );
    if (region === ownRegion)
      throw new PeerAuthConfigError(
        `${variable} ${at} names this geode's own region ${ownRegion}: keys are for peers`,
      );
    const key = decodeKey(entry.slice(separator + 1).trim());
    if (!key)
      throw new PeerAuthConfigError(
        `${variable} ${at} (${region}) must be a base64 key of at least ${MIN_PEER_KEY_BYTES} bytes`,
      );
    keys.set(region, [...(keys.get(region) ?? []), key]);
  });
  return keys;
}

function decodeKey(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) return undefined;
  const key = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return key.length >= MIN_PEER_KEY_BYTES ? key : undefined;
}

function tlsMaterial(
  env: PeerAuthEnvironment,
  readFile: (path: string) => string,
): TlsMaterial | undefined {
  const cert = pem('GEODE_TLS_CERT', env.GEODE_TLS_CERT, readFile);
  const key = pem('GEODE_TLS_KEY', env.GEODE_TLS_KEY, readFile);
  const ca = pem('GEODE_TLS_CA', env.GEODE_TLS_CA, readFile);
  if (!cert && !key && !ca) return undefined;
  if (!cert)
    throw new PeerAuthConfigError(
      'GEODE_TLS_CERT is required when GEODE_TLS_KEY or GEODE_TLS_CA is set',
    );
  if (!key) throw new PeerAuthConfigError('GEODE_TLS_KEY is required when GEODE_TLS_CERT is set');
  return { cert, key, ...(ca && { ca }) };
}

/** PEM text given inline, or the path of a file holding it. */
function pem(
  variable: string,
  value: string | undefined,
  readFile: (path: string) => string,
): string | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (value.trimStart().startsWith('-----BEGIN')) return value;
  return readNamedFile(variable, value, readFile);
}

function readNamedFile(variable: string, path: string, readFile: (path: string) => string): string {
  try {
    return readFile(path);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : 'unreadable';
    throw new PeerAuthConfigError(
      `${variable} names a file that cannot be read: ${path} (${reason})`,
      { cause: error },
    );
  }
}

function checkTlsMaterial(tls: TlsMaterial, ownRegion: string, mtls: boolean, nowMs: number): void {
  const certificate = parse(
    'GEODE_TLS_CERT',
    'a PEM certificate',
    () => new X509Certificate(tls.cert),
  );
  const key = parse('GEODE_TLS_KEY', 'a PEM private key', () => createPrivateKey(tls.key));
  if (!certificate.checkPrivateKey(key))
    throw new PeerAuthConfigError('GEODE_TLS_KEY is not the private key of GEODE_TLS_CERT');
  if (Date.parse(certificate.validTo) < nowMs)
    throw new PeerAuthConfigError(
      `GEODE_TLS_CERT expired on ${new Date(certificate.validTo).toISOString()}`,
    );
  if (Date.parse(certificate.validFrom) > nowMs)
    throw new PeerAuthConfigError(
      `GEODE_TLS_CERT is not valid before ${new Date(certificate.validFrom).toISOString()}`,
    );
  if (!tls.ca) return;
  const ca = parse('GEODE_TLS_CA', 'a PEM certificate', () => new X509Certificate(tls.ca!));
  if (!certificate.checkIssued(ca) || !certificate.verify(ca.publicKey))
    throw new PeerAuthConfigError('GEODE_TLS_CERT is not issued by GEODE_TLS_CA');
  if (!mtls) return;
  // The same certificate serves HTTPS and authenticates this geode when it pulls.
  const region = regionOfCertificate(certificate.subjectAltName);
  if (region !== ownRegion)
    throw new PeerAuthConfigError(
      region
        ? `GEODE_TLS_CERT is the certificate of region ${region}, not of this geode's region ${ownRegion}`
        : `GEODE_TLS_CERT names no geode region (expected the SAN URI geode://region/${ownRegion}; npm run certs makes one)`,
    );
  const usages = certificate.keyUsage;
  if (!allowsUsage(usages, SERVER_AUTH_OID) || !allowsUsage(usages, CLIENT_AUTH_OID))
    throw new PeerAuthConfigError(
      'GEODE_TLS_CERT must allow both serverAuth and clientAuth (extended key usage)',
    );
}

function parse<T>(variable: string, what: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    throw new PeerAuthConfigError(`${variable} is not ${what}`, { cause: error });
  }
}
