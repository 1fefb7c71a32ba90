import { DynamicModule, Logger, Module } from '@nestjs/common';
import { systemWallClock, type WallClock } from '@geode/clock';
import { METRICS_REGISTRY } from '@geode/observability';
import type { Registry } from 'prom-client';
import { ConfiguredPeerClientAuth } from './configured-peer-client-auth';
import { PeerAuthGuard } from './peer-auth.guard';
import { PEER_AUTH_REGION, PEER_CLIENT_AUTH } from './peer-auth.tokens';
import type { PeerAuthConfig } from './peer-auth-config';
import { LoggingPeerAuthSecurityLog } from './peer-auth-security-log';
import { PeerHandshakeController } from './peer-handshake.controller';
import { PeerRequestAuthenticator } from './peer-request-authenticator';

export interface PeerAuthModuleOptions {
  region: string;
  config: PeerAuthConfig;
  /** Time for signatures and their window; the system clock unless a test moves it. */
  clock?: WallClock;
}

/**
 * Peer authentication for a geode: `PeerAuthGuard` (and what it needs) for
 * peer-only routes, `PEER_CLIENT_AUTH` for calls to peers, and the handshake route.
 * Global, so any module's controller can use the guard.
 */
@Module({})
export class PeerAuthModule {
  static forRoot({
    region,
    config,
    clock = systemWallClock,
  }: PeerAuthModuleOptions): DynamicModule {
    return {
      module: PeerAuthModule,
      global: true,
      controllers: [PeerHandshakeController],
      providers: [
        { provide: PEER_AUTH_REGION, useValue: region },
        {
          provide: PeerRequestAuthenticator,
          inject: [{ token: METRICS_REGISTRY, optional: true }],
          useFactory: (registry: Registry | undefined) => {
            if (config.mode === 'none')
              new Logger('PeerAuth').log(
                'peer authentication is not configured: peer routes refuse every caller (set GEODE_PEER_AUTH)',
              );
            return new PeerRequestAuthenticator(
              region,
              config,
              clock,
              new LoggingPeerAuthSecurityLog(registry),
            );
          },
        },
        {
          provide: PEER_CLIENT_AUTH,
          useFactory: () => new ConfiguredPeerClientAuth(region, config, clock),
        },
        PeerAuthGuard,
      ],
      exports: [PEER_AUTH_REGION, PEER_CLIENT_AUTH, PeerRequestAuthenticator, PeerAuthGuard],
    };
  }
}
