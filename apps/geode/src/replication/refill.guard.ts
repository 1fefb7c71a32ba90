import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { GqlExecutionContext, type GqlContextType } from '@nestjs/graphql';
import type { Request } from 'express';
import { ProblemException } from '@geode/problem-details';
import { RegionRefill } from './region-refill';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Routes a refilling geode must serve: peers pull from it, operators watch it. */
const ALWAYS_SERVED = ['/replication/', '/admin/', '/metrics'];

/**
 * While this region is being refilled it decides nothing: every write (HTTP
 * or GraphQL mutation) is refused with 503 `refilling`, and `/health` answers
 * 503 `refilling` with the progress, so routers keep traffic away. Reads are
 * served (they may be stale, as in any lagging geode).
 */
@Injectable()
export class RefillGuard implements CanActivate {
  constructor(private readonly refill: RegionRefill) {}

  canActivate(context: ExecutionContext): boolean {
    if (this.refill.complete) return true;
    if (context.getType<GqlContextType>() === 'graphql') {
      const operation = GqlExecutionContext.create(context).getInfo<{
        operation: { operation: string };
      }>().operation.operation;
      if (operation === 'mutation') throw this.refusal();
      return true;
    }
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<Request>();
    const path = request.path;
    if (ALWAYS_SERVED.some((prefix) => path.startsWith(prefix))) return true;
    if (path === '/health' || path.startsWith('/health/')) {
      throw new ProblemException(
        503,
        'refilling',
        `this geode is being refilled from its peers (${this.refill.status().phase})`,
        { refill: this.refill.status() },
      );
    }
    if (READS.has(request.method)) return true;
    throw this.refusal();
  }

  private refusal(): ProblemException {
    const { phase, remaining } = this.refill.status();
    return new ProblemException(
      503,
      'refilling',
      'this geode is being refilled from its peers and takes no writes until it holds all they held; write in another region',
      { phase, remaining },
    );
  }
}
