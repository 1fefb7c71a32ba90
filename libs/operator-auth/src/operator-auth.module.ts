import { DynamicModule, Logger, Module } from '@nestjs/common';
import { METRICS_REGISTRY } from '@geode/observability';
import type { Registry } from 'prom-client';
import type { OperatorAuthConfig } from './operator-auth-config';
import { LoggingOperatorAuthSecurityLog } from './operator-auth-security-log';
import { OperatorAuthenticator } from './operator-authenticator';
import { OperatorGuard } from './operator.guard';

/**
 * Operator authentication for a geode: `OperatorGuard` (and what it needs)
 * for operator routes. Global, so any module's controller or resolver can use it.
 */
@Module({})
export class OperatorAuthModule {
  static forRoot(config: OperatorAuthConfig): DynamicModule {
    return {
      module: OperatorAuthModule,
      global: true,
      providers: [
        {
          provide: OperatorAuthenticator,
          inject: [{ token: METRICS_REGISTRY, optional: true }],
          useFactory: (registry: Registry | undefined) => {
            const logger = new Logger('OperatorAuth');
            const names = [...new Set(config.credentials.map((credential) => credential.name))];
            if (names.length === 0)
              logger.log(
                'operator authentication is not configured: operator routes refuse every caller (set GEODE_OPERATOR_TOKENS)',
              );
            else logger.log(`operator tokens loaded for ${names.join(', ')}`);
            return new OperatorAuthenticator(config, new LoggingOperatorAuthSecurityLog(registry));
          },
        },
        OperatorGuard,
      ],
      exports: [OperatorAuthenticator, OperatorGuard],
    };
  }
}
