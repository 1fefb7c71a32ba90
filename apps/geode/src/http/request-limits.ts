import {
  BadRequestException,
  PayloadTooLargeException,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;

/** The body types the API reads: JSON, including `+json` ones such as `application/merge-patch+json`. */
export const JSON_MEDIA_TYPES = ['application/json', 'application/*+json'];

const METHODS_WITH_BODIES: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH']);

export interface RequestLimitsOptions {
  /** Largest JSON body accepted, in bytes after any Content-Encoding is undone. Default 64 KiB. */
  maxBodyBytes?: number;
}

/**
 * What request bodies a geode accepts: JSON of at most `maxBodyBytes`. The
 * refusals are problem details from the app's exception filter (the errors go
 * to Nest's exception layer): 413 `payload-too-large`, 415
 * `unsupported-media-type` for a POST, PUT or PATCH body that is not JSON (or
 * whose charset or encoding is unknown), 400 `validation` for one that does
 * not parse. Call it before the app is initialised, on an app created with
 * `bodyParser: false`, so that Nest's own parsers (100 KiB, urlencoded) stay out.
 */
export function configureRequestLimits(
  app: NestExpressApplication,
  options: RequestLimitsOptions = {},
): void {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes <= 0)
    throw new Error(`maxBodyBytes must be a positive whole number (got ${maxBodyBytes})`);
  app.use(refuseBodiesThatAreNotJson);
  app.useBodyParser('json', { limit: maxBodyBytes, type: JSON_MEDIA_TYPES });
  app.use(bodyParserErrorsToHttp(maxBodyBytes));
}

function refuseBodiesThatAreNotJson(req: Request, _res: Response, next: NextFunction): void {
  if (METHODS_WITH_BODIES.has(req.method) && hasBody(req) && !req.is(JSON_MEDIA_TYPES)) {
    next(
      new UnsupportedMediaTypeException(
        'request body must be JSON (Content-Type: application/json)',
      ),
    );
    return;
  }
  next();
}

/** A body of one byte or more is coming (an empty POST, e.g. `…/close`, needs no Content-Type). */
function hasBody(req: Request): boolean {
  return (
    req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length']) > 0
  );
}

/**
 * Gives the JSON parser's refusals details a client can act on; other errors
 * pass unchanged (Nest maps any 4xx http-error by its status, and a 5xx stays
 * an internal error).
 */
function bodyParserErrorsToHttp(maxBodyBytes: number) {
  return (error: unknown, _req: Request, _res: Response, next: NextFunction): void => {
    switch ((error as { type?: unknown } | null)?.type) {
      case 'entity.too.large':
        next(new PayloadTooLargeException(`request body is larger than ${maxBodyBytes} bytes`));
        return;
      case 'entity.parse.failed':
        next(
          new BadRequestException(
            'request body is not valid JSON (expected a JSON object or array)',
          ),
        );
        return;
      case 'charset.unsupported':
      case 'encoding.unsupported':
        next(new UnsupportedMediaTypeException((error as Error).message));
        return;
      default:
        next(error);
    }
  };
}
