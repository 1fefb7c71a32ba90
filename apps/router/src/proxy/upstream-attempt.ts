import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { ClientDeparture } from './client-departure';
import { clientResponseHeaders } from './hop-by-hop';
import { HeldAnswer, isProblemAnswer } from './held-answer';
import type { GeodeUpstream } from './geode-upstream';

export type AttemptOutcome =
  /** The geode's answer went to the client (or the client left). */
  | { kind: 'answered'; statusCode: number }
  /** No answer: connection refused or reset, timeout. Nothing reached the client. */
  | { kind: 'unreachable'; error: Error }
  /** A 409 problem, held back for the router to read. Nothing reached the client yet. */
  | { kind: 'refused'; answer: HeldAnswer }
  /** The geode's answer broke off after its headers were passed on. */
  | { kind: 'broken'; error: Error }
  /** The HTTP client refused to send the request as it is: the client's fault, not the geode's. */
  | { kind: 'unsendable'; error: Error };

/** undici's codes for a request it will not send (a header it does not allow, a body it cannot frame). */
const UNSENDABLE = new Set([
  'UND_ERR_INVALID_ARG',
  'UND_ERR_NOT_SUPPORTED',
  'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH',
]);

export interface AttemptRequest {
  method: string;
  pathAndQuery: string;
  headers: string[];
  body: Readable | null;
  res: ServerResponse;
  /** The request's correlation id, on the answer unless the geode sends its own. */
  correlationId: string;
  /** Tells when the client goes away. */
  client: ClientDeparture;
  /** Told of the answer's status and headers before they are passed on. */
  onAnswer(statusCode: number, headers: IncomingHttpHeaders): void;
}

/**
 * One try of a request against one geode, as an undici dispatch handler:
 * the answer streams straight into the client's response, with backpressure
 * both ways, except a `409` problem, which is held back (a few hundred
 * bytes) so the router can learn from it and try elsewhere.
 */
export function attemptOn(
  upstream: GeodeUpstream,
  request: AttemptRequest,
): Promise<AttemptOutcome> {
  return new Promise((resolve) => {
    const { res, client } = request;
    let controller: Dispatcher.DispatchController | undefined;
    let held: HeldAnswer | undefined;
    let streaming = false;
    let awaitingDrain = false;
    /** Body bytes still to come when the geode said how many (`Content-Length`), else NaN. */
    let bodyBytesLeft = NaN;
    let settled = false;
    const settle = (outcome: AttemptOutcome) => {
      if (settled) return;
      settled = true;
      client.notify(undefined);
      if (awaitingDrain) res.removeListener('drain', onDrain);
      resolve(outcome);
    };
    const onDrain = () => {
      awaitingDrain = false;
      controller?.resume();
    };
    client.notify(() => controller?.abort(new Error('the client closed the connection')));

    const handler: Dispatcher.DispatchHandler = {
      onRequestStart(started) {
        controller = started;
        if (client.gone) started.abort(new Error('the client closed the connection'));
      },
      onResponseStart(_controller, statusCode, headers) {
        if (statusCode < 200) return; // 1xx: informational, not the answer
        const incoming = headers as IncomingHttpHeaders;
        if (statusCode === 409 && isProblemAnswer(incoming)) {
          held = new HeldAnswer(statusCode, incoming);
          return;
        }
        request.onAnswer(statusCode, incoming);
        res.writeHead(
          statusCode,
          clientResponseHeaders(incoming, upstream.region, request.correlationId),
        );
        streaming = true;
        bodyBytesLeft = Number(incoming['content-length']);
      },
      onResponseData(active, chunk) {
        if (held !== undefined) {
          if (!held.add(chunk)) active.abort(new Error('the geode sent an oversized refusal'));
          return;
        }
        bodyBytesLeft -= chunk.length;
        // The last chunk goes out with the end of the answer: one write, not a write and a flush.
        if (bodyBytesLeft === 0) {
          res.end(chunk);
          return;
        }
        // The client reads slower than the geode sends: hold the geode until it catches up.
        if (!res.write(chunk) && !awaitingDrain) {
          awaitingDrain = true;
          active.pause();
          res.once('drain', onDrain);
        }
      },
      onResponseEnd() {
        if (held !== undefined) return settle({ kind: 'refused', answer: held });
        if (!res.writableEnded) res.end();
        settle({ kind: 'answered', statusCode: res.statusCode });
      },
      onResponseError(_controller, error) {
        if (client.gone) return settle({ kind: 'answered', statusCode: 499 });
        if (streaming) return settle({ kind: 'broken', error });
        const code = (error as { code?: unknown }).code;
        if (typeof code === 'string' && UNSENDABLE.has(code))
          return settle({ kind: 'unsendable', error });
        settle({ kind: 'unreachable', error });
      },
    };
    try {
      upstream.pool.dispatch(
        {
          path: request.pathAndQuery,
          method: request.method,
          headers: request.headers,
          body: request.body,
        },
        handler,
      );
    } catch (error) {
      // Arguments undici refuses up front are thrown rather than reported to the handler.
      handler.onResponseError!(controller as Dispatcher.DispatchController, error as Error);
    }
  });
}
