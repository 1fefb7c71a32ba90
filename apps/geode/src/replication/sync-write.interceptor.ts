import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Request } from 'express';
import { from, mergeMap, type Observable } from 'rxjs';
import { SyncWrites } from './sync-writes';

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const NOT_WRITES = ['/replication/', '/admin/'];

/**
 * Holds a write's answer until sync mode is satisfied for the events it
 * decided (found by the request's correlation id, which every event carries
 * in its metadata). Does nothing when no category is synchronous.
 */
@Injectable()
export class SyncWriteInterceptor implements NestInterceptor {
  constructor(private readonly sync: SyncWrites) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (!this.sync.enabled || context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<Request & { id?: unknown }>();
    const correlationId = request.id;
    if (
      !WRITES.has(request.method) ||
      typeof correlationId !== 'string' ||
      NOT_WRITES.some((prefix) => request.path.startsWith(prefix))
    ) {
      return next.handle();
    }
    return from(this.sync.mark()).pipe(
      mergeMap((mark) =>
        next.handle().pipe(
          mergeMap(async (answer: unknown) => {
            await this.sync.awaitAcknowledgements(mark, correlationId);
            return answer;
          }),
        ),
      ),
    );
  }
}
