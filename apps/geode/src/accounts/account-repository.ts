import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE, type EventStore, ExpectedRevision, NewEvent } from '@geode/event-store';
import {
  AccountEvent,
  AccountState,
  accountStreamId,
  accountStreamMetadata,
  foldAccountStream,
  toEventRecord,
} from '@geode/ledger';
import { type WallClockPort, WALL_CLOCK } from '../clock/wall-clock.provider';

/** An account stream as this geode holds it, folded. */
export interface LoadedAccount {
  streamId: string;
  state: AccountState;
  /** Events in the stream here: the expected revision of the next append. */
  revision: number;
}

export interface CommandContext {
  /** Correlation id and the acting principal, recorded in every event's metadata. */
  metadata: Record<string, string>;
}

/**
 * Reads account streams and writes the events a decision produced. Events
 * from the store are parsed (they may have come from peers) before `evolve`
 * sees them.
 */
@Injectable()
export class AccountRepository {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(WALL_CLOCK) private readonly clock: WallClockPort,
  ) {}

  /** Now, as ledger commands carry it. */
  now(): string {
    return new Date(this.clock.nowMs()).toISOString();
  }

  async load(accountId: string): Promise<LoadedAccount> {
    const streamId = accountStreamId(accountId);
    const stored = await this.store.readStream(streamId);
    // Canonical order, merge events to their recorded outcomes (ADR 0012); an
    // unreadable stored event is a deployment problem, not the caller's.
    const state = foldAccountStream(stored, { onUnreadable: 'throw' });
    return { streamId, state, revision: stored.length };
  }

  toNewEvents(events: readonly AccountEvent[], context: CommandContext): NewEvent[] {
    return events.map((event) => {
      const record = toEventRecord(event);
      return { ...record, metadata: { ...context.metadata } };
    });
  }

  streamMetadataFor(events: readonly AccountEvent[]) {
    const opened = events.find((event) => event.type === 'ledger.AccountOpened');
    return opened ? accountStreamMetadata(opened) : undefined;
  }

  append(
    streamId: string,
    events: NewEvent[],
    expectedRevision: ExpectedRevision,
    streamMetadata?: ReturnType<AccountRepository['streamMetadataFor']>,
  ) {
    return this.store.append(streamId, events, { expectedRevision, streamMetadata });
  }
}
