import type { ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import { PROBLEM_CONTENT_TYPE, type ProblemDetails } from '@geode/problem-details';

/**
 * Answers with an RFC 9457 problem (the same shape the geodes use, ADR 0003).
 * `instance` is the request target, JSON-encoded, so a hostile one is inert.
 */
export function sendProblem(
  res: ServerResponse,
  status: number,
  type: string,
  detail: string,
  extensions: Record<string, unknown> = {},
): void {
  const problem: ProblemDetails = {
    ...extensions,
    type,
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    instance: res.req?.url,
  };
  const body = JSON.stringify(problem);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, {
    'content-type': PROBLEM_CONTENT_TYPE,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(res.req?.method === 'HEAD' ? undefined : body);
}

/** The same, written straight onto a socket whose request Node could not parse. */
export function rawProblemResponse(status: number, type: string, detail: string): string {
  const body = JSON.stringify({
    type,
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
  } satisfies ProblemDetails);
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
    `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    'Connection: close\r\n\r\n' +
    body
  );
}
