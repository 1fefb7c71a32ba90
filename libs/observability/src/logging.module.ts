import { randomUUID } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';
import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { Logger } from 'pino';

export const CORRELATION_ID_HEADER = 'x-correlation-id';
const QUIET_PATHS = new Set(['/health', '/metrics']);

/**
 * Structured request logs through the root logger. Each request carries a
 * correlation id: the caller's `X-Correlation-Id` when it sends a sane one,
 * otherwise a fresh UUID; it is echoed back in the response.
 */
@Module({})
export class LoggingModule {
  static forRoot(logger: Logger): DynamicModule {
    return {
      module: LoggingModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: {
            logger,
            genReqId: (req, res) => assignCorrelationId(req, res),
            customAttributeKeys: { reqId: 'correlationId' },
            autoLogging: { ignore: (req) => QUIET_PATHS.has(req.url?.split('?')[0] ?? '') },
            serializers: {
              req: (req: { method: string; url: string }) => ({ method: req.method, url: req.url }),
              res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
            },
          },
        }),
      ],
    };
  }
}

function correlationIdOf(req: IncomingMessage): string {
  const given = req.headers[CORRELATION_ID_HEADER];
  return typeof given === 'string' && /^[\w.:-]{1,128}$/.test(given) ? given : randomUUID();
}

/** Gives the request its correlation id once (kept in `req.id`) and echoes it in the response. */
function assignCorrelationId(req: IncomingMessage, res: ServerResponse): string {
  const request = req as IncomingMessage & { id?: unknown };
  if (typeof request.id !== 'string') request.id = correlationIdOf(req);
  const id = request.id;
  if (!res.headersSent) res.setHeader(CORRELATION_ID_HEADER, id);
  return id;
}

/**
 * The same, as the app's first middleware: requests refused before the
 * logging middleware runs (bodies too large, not JSON) still carry their id.
 */
export function correlationIdMiddleware(
  req: IncomingMessage,
  res: ServerResponse,
  next: () => void,
): void {
  assignCorrelationId(req, res);
  next();
}
