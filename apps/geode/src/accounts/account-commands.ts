import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import {
  EVENT_STORE,
  type EventStore,
  RevisionConflict,
  type VersionVector,
} from '@geode/event-store';
import {
  AccountCommand,
  type AccountState,
  decide,
  decideTransfer,
  evolve,
  TransferFunds,
} from '@geode/ledger';
import { GEODE_CONFIG } from '../config/geode-config.provider';
import type { GeodeConfig } from '../config/geode-config';
import { AccountRepository, CommandContext, type LoadedAccount } from './account-repository';
import { KeyedLock } from './keyed-lock';
import { encodeSessionToken } from './session-token';

/** How often a command is decided again after another process appended first. */
const MAX_ATTEMPTS = 10;

export interface WriteOutcome {
  /** The stream's revision after the command (unchanged when it changed nothing). */
  revision: number;
  /** Ids of the events written; empty when the account already was as asked. */
  eventIds: string[];
  /** `Geode-Session` token of this write. */
  session: string;
  /** The account's residency after the command (`null` = all regions); `undefined` when not opened. */
  residency?: readonly string[] | null;
}

/** One command on one account stream (open, deposit, withdraw, freeze, …). */
export class ExecuteAccountCommand extends Command<WriteOutcome> {
  constructor(
    readonly command: AccountCommand,
    readonly context: CommandContext,
  ) {
    super();
  }
}

export class ExecuteTransfer extends Command<{ from: WriteOutcome; to: WriteOutcome }> {
  constructor(
    readonly command: TransferFunds,
    readonly context: CommandContext,
  ) {
    super();
  }
}

/** Shared by the handlers: a per-process lock on streams, and the session token. */
export class CommandSupport {
  readonly lock = new KeyedLock();

  constructor(
    private readonly store: EventStore,
    private readonly region: string,
  ) {}

  /** The geode's knowledge vector, for the session token of a write. */
  knowledge(): Promise<VersionVector> {
    return this.store.knowledge();
  }

  session(knowledge: VersionVector, lastEventId?: string): string {
    return encodeSessionToken({ v: 1, region: this.region, knowledge, event: lastEventId });
  }
}

export const COMMAND_SUPPORT = Symbol('COMMAND_SUPPORT');

export const commandSupportProvider = {
  provide: COMMAND_SUPPORT,
  inject: [EVENT_STORE, GEODE_CONFIG],
  useFactory: (store: EventStore, config: GeodeConfig) => new CommandSupport(store, config.region),
};

/**
 * The thin shell STYLE.md asks for: read the stream, fold, decide, append with
 * the revision read; decide again (a bounded number of times) only when
 * another process appended in between.
 */
@CommandHandler(ExecuteAccountCommand)
export class ExecuteAccountCommandHandler implements ICommandHandler<ExecuteAccountCommand> {
  constructor(
    private readonly accounts: AccountRepository,
    @Inject(COMMAND_SUPPORT) private readonly support: CommandSupport,
  ) {}

  execute({ command, context }: ExecuteAccountCommand): Promise<WriteOutcome> {
    return this.support.lock.run([command.data.accountId], async () => {
      for (let attempt = 1; ; attempt++) {
        const account = await this.accounts.load(command.data.accountId);
        const events = decide(command, account.state);
        if (events.length === 0) {
          return {
            revision: account.revision,
            eventIds: [],
            session: this.support.session(await this.support.knowledge()),
            residency: residencyOf(account.state),
          };
        }
        const newEvents = this.accounts.toNewEvents(events, context);
        try {
          // The token names the write's event, so knowledge need not wait for the append.
          const [result, knowledge] = await Promise.all([
            this.accounts.append(
              account.streamId,
              newEvents,
              account.revision === 0 ? 'no_stream' : account.revision,
              this.accounts.streamMetadataFor(events),
            ),
            this.support.knowledge(),
          ]);
          const eventIds = newEvents.map((event) => event.eventId);
          return {
            revision: result.nextRevision,
            eventIds,
            session: this.support.session(knowledge, eventIds.at(-1)),
            // Folded from what was just decided: the answer knows the residency without a read.
            residency: residencyOf(events.reduce(evolve, account.state)),
          };
        } catch (error) {
          if (error instanceof RevisionConflict && attempt < MAX_ATTEMPTS) continue;
          throw error;
        }
      }
    });
  }
}

/** Both halves of a transfer in one atomic append (`appendMany`). */
@CommandHandler(ExecuteTransfer)
export class ExecuteTransferHandler implements ICommandHandler<ExecuteTransfer> {
  constructor(
    private readonly accounts: AccountRepository,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(COMMAND_SUPPORT) private readonly support: CommandSupport,
  ) {}

  execute({
    command,
    context,
  }: ExecuteTransfer): Promise<{ from: WriteOutcome; to: WriteOutcome }> {
    const { fromAccountId, toAccountId } = command.data;
    return this.support.lock.run([fromAccountId, toAccountId], async () => {
      for (let attempt = 1; ; attempt++) {
        const [from, to] = await Promise.all([
          this.accounts.load(fromAccountId),
          this.accounts.load(toAccountId),
        ]);
        const decision = decideTransfer(command, from.state, to.state);
        const appends = [
          { account: from, events: this.accounts.toNewEvents(decision.from, context) },
          { account: to, events: this.accounts.toNewEvents(decision.to, context) },
        ].filter((append) => append.events.length > 0);
        try {
          const [results, knowledge] = await Promise.all([
            this.store.appendMany(
              appends.map(({ account, events }) => ({
                streamId: account.streamId,
                events,
                options: { expectedRevision: account.revision },
              })),
            ),
            this.support.knowledge(),
          ]);
          const outcomeOf = (account: LoadedAccount): WriteOutcome => {
            const written = appends.findIndex((append) => append.account === account);
            const eventIds =
              written >= 0 ? appends[written].events.map((event) => event.eventId) : [];
            return {
              revision: written >= 0 ? results[written].nextRevision : account.revision,
              eventIds,
              session: this.support.session(knowledge, eventIds.at(-1)),
            };
          };
          return { from: outcomeOf(from), to: outcomeOf(to) };
        } catch (error) {
          if (error instanceof RevisionConflict && attempt < MAX_ATTEMPTS) continue;
          throw error;
        }
      }
    });
  }
}

function residencyOf(state: AccountState): readonly string[] | null | undefined {
  return state.status === 'not-opened' ? undefined : state.residency;
}
