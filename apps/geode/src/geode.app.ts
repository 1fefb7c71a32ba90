import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Logger as NestPinoLogger } from 'nestjs-pino';
import { correlationIdMiddleware } from '@geode/observability';
import { httpsOptionsFor } from '@geode/peer-auth';
import { Logger } from 'pino';
import { GeodeConfig } from './config/geode-config';
import { accountProblems } from './accounts/account-problems';
import { GeodeModule } from './geode.module';
import { GeodeProblemsFilter } from './read-models/graphql/geode-problems.filter';
import { configureRequestLimits } from './http';
import { serveOpenApi } from './openapi';

/**
 * Builds (but does not start) a geode's Nest application. Used by `main.ts`
 * and by end-to-end tests, so both run exactly the same app.
 */
export async function createGeodeApp(
  config: GeodeConfig,
  databaseUrl: string,
  logger: Logger,
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(
    GeodeModule.forRoot({ config, databaseUrl, logger }),
    {
      bufferLogs: true,
      abortOnError: false,
      // The JSON parser and its limits come from configureRequestLimits.
      bodyParser: false,
      // The JSON parser keeps the bytes it read (req.rawBody): signed peer requests are checked against them.
      rawBody: true,
      // HTTPS when TLS is configured, asking for (not demanding) client certificates; see ADR 0009.
      ...(config.peerAuth.tls && { httpsOptions: httpsOptionsFor(config.peerAuth.tls) }),
    },
  );
  app.useLogger(app.get(NestPinoLogger));
  // Problem details over HTTP, the same problems as GraphQL errors in resolvers.
  app.useGlobalFilters(new GeodeProblemsFilter([accountProblems]));
  app.use(correlationIdMiddleware);
  configureRequestLimits(app);
  app.disable('x-powered-by');
  serveOpenApi(app, config.region);
  return app;
}
