import {
  DynamicModule,
  Inject,
  Injectable,
  MiddlewareConsumer,
  Module,
  NestMiddleware,
  NestModule,
} from '@nestjs/common';
import { Controller, Get, Header, Res } from '@nestjs/common';
import type { Request, Response, NextFunction } from 'express';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** DI token of the process's Prometheus registry; libraries register their metrics on it. */
export const METRICS_REGISTRY = Symbol('METRICS_REGISTRY');

@Controller('metrics')
class MetricsController {
  constructor(@Inject(METRICS_REGISTRY) private readonly registry: Registry) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  async metrics(@Res({ passthrough: true }) response: Response): Promise<string> {
    response.type(this.registry.contentType);
    return this.registry.metrics();
  }
}

type HttpDuration = Histogram<'method' | 'route' | 'status'>;
const HTTP_DURATION = Symbol('HTTP_DURATION');

@Injectable()
class HttpMetricsMiddleware implements NestMiddleware {
  constructor(@Inject(HTTP_DURATION) private readonly duration: HttpDuration) {}

  use(req: Request, res: Response, next: NextFunction): void {
    const end = this.duration.startTimer();
    res.on('finish', () => {
      // The matched route pattern, never the raw URL: ids would explode the label set.
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      end({ method: req.method, route: `${req.baseUrl}${route}`, status: String(res.statusCode) });
    });
    next();
  }
}

/** `GET /metrics` in Prometheus text format, with process and HTTP metrics. */
@Module({})
export class MetricsModule implements NestModule {
  static forRoot(defaultLabels: Record<string, string>): DynamicModule {
    const registry = new Registry();
    registry.setDefaultLabels(defaultLabels);
    collectDefaultMetrics({ register: registry });
    const httpDuration: HttpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP requests served, by method, route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    });
    return {
      module: MetricsModule,
      global: true,
      controllers: [MetricsController],
      providers: [
        { provide: METRICS_REGISTRY, useValue: registry },
        { provide: HTTP_DURATION, useValue: httpDuration },
      ],
      exports: [METRICS_REGISTRY],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('*path');
  }
}
