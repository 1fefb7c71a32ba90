import { Inject, Injectable } from '@nestjs/common';
import type { WallClock } from '@geode/clock';
import {
  EVENT_STORE,
  type EventLocation,
  type EventStore,
  type LogCheckpoint,
} from '@geode/event-store';
import { eventIdRule, regionRule } from '@geode/ledger';
import {
  compareCheckpoints,
  PROJECTION_PROGRESS,
  type ProjectionProgress,
} from '@geode/projections';
import { ProblemException } from '@geode/problem-details';
import { WALL_CLOCK } from '../clock/wall-clock.provider';
import { decodeSessionToken, type SessionToken } from '../accounts/session-token';
import { LEDGER_PROJECTION_NAME } from './ledger-projection';

export interface SessionWaitOptions {
  /** The longest a read waits for this geode to cover a session token. */
  timeoutMs: number;
  /** How often a place not held yet is looked for again (replication brings it). */
  recheckMs: number;
}

export const SESSION_WAIT_OPTIONS = Symbol('SESSION_WAIT_OPTIONS');
export const DEFAULT_SESSION_WAIT: SessionWaitOptions = { timeoutMs: 2_000, recheckMs: 20 };

/** The header a client sends back with reads: what its earlier writes need the reader to hold. */
export const SESSION_HEADER = 'geode-session';

interface Target {
  ref: EventLocation;
  checkpoint: LogCheckpoint | null;
}

/**
 * Read-your-writes (DESIGN.md §5): a read that presents a `Geode-Session`
 * token waits, within a bound, until this geode's ledger read model has
 * applied everything the token covers (the write's event and, per origin
 * region, the token's knowledge), then runs. On timeout it is refused with a
 * 409 `session-not-satisfied` naming what is missing, so a router can try
 * another geode.
 */
@Injectable()
export class SessionWait {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PROJECTION_PROGRESS) private readonly progress: ProjectionProgress,
    @Inject(SESSION_WAIT_OPTIONS) private readonly options: SessionWaitOptions,
    @Inject(WALL_CLOCK) private readonly clock: WallClock,
  ) {}

  /** Resolves when the token (if any) is covered; throws the 409 problem when it is not in time. */
  async satisfy(header: string | string[] | undefined): Promise<void> {
    if (header === undefined || header === '') return;
    const token = parseToken(header);
    const targets: Target[] = [
      ...(token.event ? [{ ref: { eventId: token.event }, checkpoint: null }] : []),
      ...Object.entries(token.knowledge)
        .filter(([, seq]) => seq > 0)
        .map(([origin, seq]) => ({ ref: { origin, seq }, checkpoint: null })),
    ];
    if (targets.length === 0) return;
    const deadline = this.clock.nowMs() + this.options.timeoutMs;

    for (;;) {
      for (const target of targets)
        if (target.checkpoint === null) target.checkpoint = await this.store.locate(target.ref);
      if (targets.every((t) => t.checkpoint !== null)) break;
      const left = deadline - this.clock.nowMs();
      if (left <= 0) throw await this.notSatisfied(token, targets, false);
      await sleep(Math.min(this.options.recheckMs, left));
    }
    const target = targets
      .map((t) => t.checkpoint!)
      .reduce((a, b) => (compareCheckpoints(a, b) >= 0 ? a : b));
    const left = Math.max(0, deadline - this.clock.nowMs());
    if (!(await this.progress.waitUntilApplied(LEDGER_PROJECTION_NAME, target, left)))
      throw await this.notSatisfied(token, targets, true);
  }

  private async notSatisfied(
    token: SessionToken,
    targets: readonly Target[],
    heldButNotApplied: boolean,
  ): Promise<ProblemException> {
    const knowledge = await this.store.knowledge();
    const missingEvent = targets.some((t) => 'eventId' in t.ref && t.checkpoint === null);
    const origins = Object.fromEntries(
      targets.flatMap((t) =>
        'origin' in t.ref && t.checkpoint === null
          ? [[t.ref.origin, { need: t.ref.seq, have: knowledge[t.ref.origin] ?? 0 }]]
          : [],
      ),
    );
    const missing = {
      ...(missingEvent && { event: token.event }),
      ...(Object.keys(origins).length > 0 && { origins }),
      ...(heldButNotApplied && { projection: LEDGER_PROJECTION_NAME }),
    };
    return new ProblemException(
      409,
      'session-not-satisfied',
      heldButNotApplied
        ? `this geode holds what the session needs, but its read model did not apply it within ${this.options.timeoutMs} ms`
        : `this geode does not hold what the session needs (waited ${this.options.timeoutMs} ms)`,
      { missing, waitedMs: this.options.timeoutMs },
    );
  }
}

/** A token from a client: untrusted, checked before any of it reaches the store. */
function parseToken(header: string | string[]): SessionToken {
  const text = Array.isArray(header) ? (header.length === 1 ? header[0] : undefined) : header;
  const token = text === undefined || text.length > 8_192 ? undefined : decodeSessionToken(text);
  const refuse = (why: string) =>
    new ProblemException(400, 'validation', `Geode-Session ${why}`, { field: 'Geode-Session' });
  if (!token) throw refuse('is not a session token this geode wrote');
  if (token.event !== undefined && !eventIdRule(token.event).ok)
    throw refuse('names an event id that is not a UUID');
  const knowledge = token.knowledge as unknown;
  if (knowledge === null || typeof knowledge !== 'object' || Array.isArray(knowledge))
    throw refuse('holds a knowledge vector that is not an object');
  const entries = Object.entries(knowledge);
  if (entries.length > 64) throw refuse('names too many regions');
  for (const [region, seq] of entries)
    if (!regionRule(region).ok || !Number.isSafeInteger(seq) || (seq as number) < 0)
      throw refuse('holds a knowledge vector that is not { region: seq }');
  return token;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
