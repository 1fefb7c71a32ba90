import {
  BadRequestException,
  CallHandler,
  ExecutionContext,
  Inject,
  Injectable,
  Logger,
  NestInterceptor,
} from '@nestjs/common';
import { ProblemException } from '@geode/problem-details';
import type { Request, Response } from 'express';
import { from, mergeMap, Observable, of, throwError } from 'rxjs';
import { ExistingKey, IdempotencyKeyRepository } from './idempotency-key-repository';
import { IDEMPOTENCY_OPTIONS, type ResolvedIdempotencyOptions } from './idempotency-options';
import {
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENT_REPLAYED_HEADER,
  idempotencyScope,
  KEYED_METHODS,
  readIdempotencyKey,
  requestHash,
  UnhashableBodyError,
} from './idempotency-request';
import { CapturedResponse, captureResponse } from './response-capture';
import { setIdempotencyScope } from './request-scoped-ids';

/** The response headers a replay repeats (with the status and the body). */
export const REPLAYED_HEADERS = ['content-type', 'geode-session', 'geode-region', 'location'];

/**
 * 4xx answers that say "not now" rather than "not this request": a retry with
 * the same key runs again instead of getting them replayed. 404 is one here:
 * an account opened in another region may simply not have replicated yet.
 */
const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([404, 408, 409, 425, 429]);

/** Marks a request this interceptor took, should the app register it twice. */
const TAKEN = Symbol('idempotency');
type KeyedRequest = Request & { [TAKEN]?: true };

/**
 * `Idempotency-Key` on POST, PATCH and DELETE: the first request with a key
 * runs and its answer is kept; a retry with the same key and the same request
 * gets that answer again (`Idempotent-Replayed: true`), even from another
 * process or after a restart; the same key with another request is a 422,
 * and a retry while the first is still running a 409 with `Retry-After`.
 * Server errors are not kept, so a retry after one runs the request again.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly logger = new Logger('Idempotency');

  constructor(
    private readonly keys: IdempotencyKeyRepository,
    @Inject(IDEMPOTENCY_OPTIONS) private readonly options: ResolvedIdempotencyOptions,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const req = context.switchToHttp().getRequest<KeyedRequest>();
    const res = context.switchToHttp().getResponse<Response>();
    if (!KEYED_METHODS.has(req.method) || req[TAKEN]) return next.handle();
    const key = readIdempotencyKey(req.headers[IDEMPOTENCY_KEY_HEADER]);
    if (key === undefined) return next.handle();
    req[TAKEN] = true;
    if (key === null)
      return throwError(
        () =>
          new BadRequestException('Idempotency-Key must be 1 to 200 printable ASCII characters'),
      );

    let hash: Buffer;
    try {
      hash = requestHash(req.method, req.originalUrl, req.body);
    } catch (error) {
      if (error instanceof UnhashableBodyError)
        return throwError(() => new BadRequestException(error.message));
      throw error;
    }
    const scope = idempotencyScope(req.method, routePathOf(req), key);
    setIdempotencyScope(req, scope);
    return from(this.keys.claim(scope, hash)).pipe(
      mergeMap((outcome) => {
        if (outcome.kind === 'existing') return this.answerFromKey(outcome.key, hash, res);
        captureResponse(
          res,
          { keepHeaders: REPLAYED_HEADERS, maxBodyBytes: this.options.maxStoredResponseBytes },
          (response) => this.settle(scope, outcome.token, response),
        );
        return next.handle();
      }),
    );
  }

  private answerFromKey(key: ExistingKey, hash: Buffer, res: Response): Observable<unknown> {
    if (!key.requestHash.equals(hash))
      return throwError(
        () =>
          new ProblemException(
            422,
            'idempotency-mismatch',
            'this Idempotency-Key was already used for another request (a different method, path or body)',
          ),
      );
    if (!key.response) {
      res.setHeader('Retry-After', '1');
      return throwError(
        () =>
          new ProblemException(
            409,
            'idempotency-in-progress',
            'a request with this Idempotency-Key is still being processed; retry shortly',
          ),
      );
    }
    const { status, headers, body } = key.response;
    res.status(status);
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    res.setHeader(IDEMPOTENT_REPLAYED_HEADER, 'true');
    // Nest sends a string as it is, under the Content-Type set above; nothing as nothing.
    return of(body === '' ? undefined : body);
  }

  /** Keeps the answer for replay, or gives the key back when a retry should run again. */
  private async settle(scope: string, token: string, response: CapturedResponse): Promise<void> {
    try {
      const { status, headers, body } = response;
      if (status >= 500 || TRANSIENT_STATUSES.has(status) || body === undefined) {
        if (body === undefined && status < 500)
          this.logger.warn(
            { scope, status },
            'response cannot be kept for replay (binary or too large)',
          );
        await this.keys.release(scope, token);
      } else {
        await this.keys.complete(scope, token, { status, headers, body });
      }
    } catch (error) {
      // The key stays claimed: retries get 409 until the in-flight lease lets one take over.
      this.logger.error(
        { err: error, scope },
        'could not record the outcome of an idempotent request',
      );
    }
  }
}

/** The matched route pattern (`/v1/accounts/:id/deposits`), never the raw path. */
function routePathOf(req: Request): string {
  const route = req.route as { path?: unknown } | undefined;
  return typeof route?.path === 'string' ? `${req.baseUrl}${route.path}` : req.path;
}
