import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Logger as NestPinoLogger } from 'nestjs-pino';
import { correlationIdMiddleware } from '@geode/observability';
import { ProblemDetailsFilter } from '@geode/problem-details';
import { Logger } from 'pino';
import { GeodeConfig } from './config/geode-config';
import { accountProblems } from './accounts/account-problems';
import { GeodeModule } from './geode.module';
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
    },
  );
  app.useLogger(app.get(NestPinoLogger));
  app.useGlobalFilters(new ProblemDetailsFilter([accountProblems]));
  app.use(correlationIdMiddleware);
  configureRequestLimits(app);
  app.disable('x-powered-by');
  serveOpenApi(app, config.region);
  return app;
}
