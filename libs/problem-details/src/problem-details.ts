/**
 * RFC 9457 problem details. `type` is a stable slug (`not-found`,
 * `revision-conflict`, …) that clients can switch on; see ADR 0002.
 */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** Problem type of an HTTP status that no more specific error claimed. */
export function problemTypeForStatus(status: number): string {
  switch (status) {
    case 400:
      return 'validation';
    case 401:
      return 'unauthenticated';
    case 403:
      return 'forbidden';
    case 404:
      return 'not-found';
    case 405:
      return 'method-not-allowed';
    case 409:
      return 'conflict';
    case 413:
      return 'payload-too-large';
    case 415:
      return 'unsupported-media-type';
    case 422:
      return 'unprocessable';
    case 503:
      return 'unavailable';
    default:
      return status >= 500 ? 'internal' : 'http-error';
  }
}

/** Extra members of a problem, e.g. `{ allowedRegions }`; shown to the client. */
export type ProblemExtensions = Record<string, unknown>;

/** A problem before the filter adds the request's URL as `instance`. */
export type ProblemBody = Pick<ProblemDetails, 'type' | 'title' | 'status' | 'detail'> &
  ProblemExtensions;
