import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { RouterSettings } from '../config/router-config';
import { sendProblem } from '../http/problem-response';
import type { FailoverReason, RouterMetrics } from '../metrics/router-metrics';
import type { RequestTarget } from '../routing/request-target';
import type { ResidencyCache } from '../routing/residency-cache';
import {
  accountOfLocation,
  parseResidencyHint,
  RESIDENCY_HINT_HEADER,
  residencyFromProblem,
} from '../routing/residency-hints';
import { ClientDeparture } from './client-departure';
import type { GeodeDirectory, GeodeUpstream } from './geode-upstream';
import { clientResponseHeaders, upstreamRequestHeaders } from './hop-by-hop';
import type { HeldAnswer } from './held-answer';
import { ReplayableBody } from './replayable-body';
import { attemptOn, type AttemptOutcome } from './upstream-attempt';

export interface ProxyRequest {
  req: IncomingMessage;
  res: ServerResponse;
  target: RequestTarget;
  /** Geode regions for this client, closest first. */
  order: readonly string[];
  correlationId: string;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const SESSION_HEADER = 'geode-session';

/**
 * Sends a request to the best geode for it and streams the answer back.
 * Failover, in the order of the client's preference list, restricted to the
 * account's allowed regions when the router knows them:
 * - no answer (refused, reset, timed out): an idempotent request (GET, HEAD,
 *   OPTIONS, or any with `Idempotency-Key`) is sent once more, to the next geode;
 * - `409 residency-violation`: the router learns the account's regions and
 *   sends the request to an allowed geode (nothing was written: the geode
 *   refused before deciding); none routable → `503 no-allowed-region`;
 * - `409 session-not-satisfied` on a request with `Geode-Session`: the next
 *   geode, or the same ones again after a short wait, within a time budget.
 * A request is never sent to a geode outside the account's allowed regions.
 */
export class ProxyHandler {
  constructor(
    private readonly geodes: GeodeDirectory,
    private readonly residency: ResidencyCache,
    private readonly metrics: RouterMetrics,
    private readonly settings: RouterSettings,
    private readonly logger: Logger,
  ) {}

  async proxy(request: ProxyRequest): Promise<void> {
    const { req, res, target, order } = request;
    let allowed =
      target.accountId === undefined ? undefined : this.residency.allowedRegions(target.accountId);
    let upstream = this.geodes.candidates(order, allowed)[0];
    if (upstream === undefined) return this.unroutable(request, allowed);

    const body = hasBody(req)
      ? new ReplayableBody(req, this.settings.maxReplayBodyBytes)
      : undefined;
    const headers = upstreamRequestHeaders(req.rawHeaders, {
      clientAddress: req.socket.remoteAddress ?? 'unknown',
      priorForwardedFor: this.settings.trustForwardedHeaders
        ? headerText(req.headers['x-forwarded-for'])
        : undefined,
      proto:
        (this.settings.trustForwardedHeaders && headerText(req.headers['x-forwarded-proto'])) ||
        'http',
      host: req.headers.host,
      correlationId: request.correlationId,
    });
    const client = new ClientDeparture(res);

    const tried = new Set<GeodeUpstream>();
    let resentUnanswered = false;
    let sessionAttempts = 0;
    const sessionDeadline = performance.now() + this.settings.session.retryBudgetMs;
    for (;;) {
      tried.add(upstream);
      const outcome = await this.attempt(upstream, request, headers, body, client);
      if (outcome.kind === 'answered') return;
      if (outcome.kind === 'broken') {
        this.logger.warn(
          { region: upstream.region, err: outcome.error, correlationId: request.correlationId },
          'geode answer broke off',
        );
        this.passiveFailure(upstream, outcome.error.message);
        res.destroy();
        return;
      }
      if (client.gone) return;
      if (outcome.kind === 'unsendable') {
        this.metrics.answered('none', 400);
        return this.answerProblem(
          request,
          400,
          'malformed-request',
          `the request cannot be forwarded: ${outcome.error.message}`,
        );
      }
      const resendable = body === undefined || body.replayable;
      let next: GeodeUpstream | undefined;
      let reason: FailoverReason;

      if (outcome.kind === 'unreachable') {
        this.passiveFailure(upstream, outcome.error.message);
        reason = 'unreachable';
        if (!resentUnanswered && resendable && isIdempotent(req)) {
          next = this.untried(order, allowed, tried);
          resentUnanswered = true;
        }
        if (next === undefined) {
          const timedOut =
            /timeout/i.test(outcome.error.name) || /timeout/i.test(outcome.error.message);
          this.metrics.answered('none', timedOut ? 504 : 502);
          return this.answerProblem(
            request,
            timedOut ? 504 : 502,
            timedOut ? 'geode-timeout' : 'geode-unreachable',
            `geode ${upstream.region} did not answer (${outcome.error.message})`,
            { region: upstream.region },
          );
        }
      } else {
        const problem = outcome.answer.problem();
        const residency = problem === undefined ? undefined : residencyFromProblem(problem);
        if (residency !== undefined) {
          reason = 'residency';
          this.residency.learn(residency.accountId, residency.allowedRegions);
          allowed = intersect(allowed, residency.allowedRegions);
          if (this.geodes.candidates(order, allowed).length === 0)
            return this.unroutable(request, allowed);
          if (resendable) next = this.untried(order, allowed, tried);
        } else if (
          problem?.type === 'session-not-satisfied' &&
          req.headers[SESSION_HEADER] !== undefined
        ) {
          reason = 'session';
          sessionAttempts += 1;
          if (resendable && sessionAttempts < this.settings.session.maxAttempts) {
            next = this.untried(order, allowed, tried);
            const waitMs = this.settings.session.retryWaitMs;
            if (next === undefined && performance.now() + waitMs < sessionDeadline) {
              // Every candidate was asked: give replication a moment, then ask again from the closest.
              await sleep(waitMs, undefined, { signal: client.signal }).catch(() => undefined);
              if (client.gone) return;
              tried.clear();
              next = this.geodes.candidates(order, allowed)[0];
            }
            if (performance.now() >= sessionDeadline) next = undefined;
          }
        } else {
          // Any other 409 problem is the geode's answer to give.
          return this.passOn(request, upstream, outcome.answer);
        }
        if (next === undefined) return this.passOn(request, upstream, outcome.answer);
      }
      this.metrics.failover(upstream.region, next.region, reason);
      this.logger.debug(
        { from: upstream.region, to: next.region, reason, correlationId: request.correlationId },
        'failover',
      );
      upstream = next;
    }
  }

  private attempt(
    upstream: GeodeUpstream,
    request: ProxyRequest,
    headers: string[],
    body: ReplayableBody | undefined,
    client: ClientDeparture,
  ): Promise<AttemptOutcome> {
    const started = performance.now();
    return attemptOn(upstream, {
      method: request.req.method ?? 'GET',
      pathAndQuery: request.target.pathAndQuery,
      headers,
      body: body === undefined ? null : body.stream(),
      res: request.res,
      correlationId: request.correlationId,
      client,
      onAnswer: (statusCode, answerHeaders) => {
        this.metrics.upstreamLatency(upstream.region, (performance.now() - started) / 1000);
        this.metrics.answered(upstream.region, statusCode);
        if (statusCode >= 500) this.passiveFailure(upstream, `answered ${statusCode}`);
        else upstream.health.requestSucceeded();
        if (answerHeaders[RESIDENCY_HINT_HEADER] !== undefined && statusCode < 300)
          this.learnHint(request.target, answerHeaders);
      },
    });
  }

  private untried(
    order: readonly string[],
    allowed: readonly string[] | undefined,
    tried: ReadonlySet<GeodeUpstream>,
  ): GeodeUpstream | undefined {
    return this.geodes.candidates(order, allowed).find((candidate) => !tried.has(candidate));
  }

  /** A held refusal goes to the client as the geode wrote it. */
  private passOn(request: ProxyRequest, upstream: GeodeUpstream, answer: HeldAnswer): void {
    const { res } = request;
    this.metrics.answered(upstream.region, answer.statusCode);
    upstream.health.requestSucceeded();
    const body = answer.body;
    const headers = clientResponseHeaders(answer.headers, upstream.region, request.correlationId);
    headers['content-length'] = body.length;
    res.writeHead(answer.statusCode, headers);
    res.end(res.req.method === 'HEAD' ? undefined : body);
  }

  private unroutable(request: ProxyRequest, allowed: readonly string[] | undefined): void {
    this.metrics.answered('none', 503);
    if (allowed !== undefined) {
      this.metrics.unroutableRequest('no-allowed-region');
      return this.answerProblem(
        request,
        503,
        'no-allowed-region',
        `no geode allowed to serve this account is available (allowed: ${allowed.join(', ') || 'none'})`,
        { allowedRegions: allowed },
      );
    }
    this.metrics.unroutableRequest('no-routable-geode');
    this.answerProblem(request, 503, 'no-routable-geode', 'no geode is available');
  }

  /** The router's own answer to a proxied request, with the request's correlation id. */
  private answerProblem(
    request: ProxyRequest,
    status: number,
    type: string,
    detail: string,
    extensions?: Record<string, unknown>,
  ): void {
    if (!request.res.headersSent) request.res.setHeader('x-correlation-id', request.correlationId);
    sendProblem(request.res, status, type, detail, extensions);
  }

  private passiveFailure(upstream: GeodeUpstream, error: string): void {
    const change = upstream.health.requestFailed(error);
    if (change) this.logger.warn({ region: upstream.region, ...change }, 'geode out of rotation');
  }

  private learnHint(target: RequestTarget, headers: IncomingHttpHeaders): void {
    const hint = parseResidencyHint(headerText(headers[RESIDENCY_HINT_HEADER]) ?? '');
    const accountId = target.accountId ?? accountOfLocation(headerText(headers.location));
    if (accountId === undefined || hint === undefined) return;
    if (hint !== null) this.residency.learn(accountId, hint);
  }
}

/** Safe to send twice: safe methods, or a write the geode deduplicates by its `Idempotency-Key`. */
function isIdempotent(req: IncomingMessage): boolean {
  return SAFE_METHODS.has(req.method ?? '') || req.headers['idempotency-key'] !== undefined;
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function intersect(
  current: readonly string[] | undefined,
  learned: readonly string[],
): readonly string[] {
  return current === undefined ? learned : current.filter((region) => learned.includes(region));
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}
