import type { PeerCertificate } from 'node:tls';
import { Agent, type Dispatcher } from 'undici';
import type { WallClock } from '@geode/clock';
import { allowsUsage, regionOfCertificate, SERVER_AUTH_OID } from './certificate-identity';
import { PeerAuthConfig, usesHmac, usesMtls } from './peer-auth-config';
import type { PeerClientAuth, SignableRequest } from './peer-client-auth';
import { PEER_HEADER } from './request-signature';
import { RequestSigner } from './request-signer';

/** The server a client reached is not the geode of the region it meant to call. */
export class PeerServerIdentityError extends Error {
  override readonly name = 'PeerServerIdentityError';
  readonly code = 'peer-server-identity';
}

/**
 * This geode's credentials when it calls a peer: per region, an undici Agent
 * presenting this geode's certificate and trusting only the CA, which accepts
 * the server only if its certificate names the region called (a SPIFFE-like
 * identity check in place of the host name: peers are often reached by
 * address or through a proxy); and signed-request headers.
 */
export class ConfiguredPeerClientAuth implements PeerClientAuth {
  private readonly agents = new Map<string, Agent>();
  private readonly signer: RequestSigner;

  constructor(
    private readonly ownRegion: string,
    private readonly config: PeerAuthConfig,
    clock: WallClock,
  ) {
    this.signer = new RequestSigner(ownRegion, config.keys, clock);
  }

  dispatcher(peerRegion: string): Dispatcher | undefined {
    const tls = this.config.tls;
    if (!usesMtls(this.config.mode) || !tls?.ca) return undefined;
    let agent = this.agents.get(peerRegion);
    if (!agent) {
      agent = new Agent({
        connect: {
          ca: tls.ca,
          cert: tls.cert,
          key: tls.key,
          rejectUnauthorized: true,
          checkServerIdentity: (_host: string, certificate: PeerCertificate) =>
            serverIdentityError(peerRegion, certificate),
        },
      });
      this.agents.set(peerRegion, agent);
    }
    return agent;
  }

  /** The caller's claim (`Geode-Peer`) always; in a signed mode, the signature headers too. */
  sign(request: SignableRequest): Record<string, string> {
    if (usesHmac(this.config.mode)) return this.signer.headers(request);
    return { [PEER_HEADER]: this.ownRegion };
  }

  /** Nest calls it when the app closes: open peer connections end with it. */
  onModuleDestroy(): Promise<void> {
    return this.close();
  }

  async close(): Promise<void> {
    const agents = [...this.agents.values()];
    this.agents.clear();
    await Promise.all(agents.map((agent) => agent.close()));
  }
}

/** Why `certificate` is not the one of `expectedRegion`'s geode, or undefined when it is. */
export function serverIdentityError(
  expectedRegion: string,
  certificate: PeerCertificate,
): Error | undefined {
  const region = regionOfCertificate(certificate.subjectaltname);
  if (region !== expectedRegion)
    return new PeerServerIdentityError(
      `the peer presented ${region ? `the certificate of region ${region}` : 'a certificate naming no geode region'}, expected ${expectedRegion}`,
    );
  if (!allowsUsage(certificate.ext_key_usage, SERVER_AUTH_OID))
    return new PeerServerIdentityError(
      `the certificate of ${expectedRegion} is not allowed for servers`,
    );
  return undefined;
}
