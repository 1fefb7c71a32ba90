import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { SESSION_HEADER, SessionWait } from '../session-wait';

/**
 * `/graphql` requests wait for their `Geode-Session` before Apollo runs them,
 * so an unsatisfied session is the same HTTP 409 problem as over REST (a
 * router can retry it elsewhere), not an error inside a 200 answer.
 */
@Injectable()
export class GraphqlSessionWaitMiddleware implements NestMiddleware {
  constructor(private readonly session: SessionWait) {}

  // Nest hands what this throws to the app's exception filter (a problem details answer).
  async use(req: Request, _res: Response, next: NextFunction): Promise<void> {
    await this.session.satisfy(req.headers[SESSION_HEADER]);
    next();
  }
}
