import type { AccountCommand } from '../commands/account-command';
import type { AccountEvent } from '../events/account-event';
import type { AccountState } from './account-state';
import { initialState } from './account-state';
import { decide } from './decide';
import { evolve } from './evolve';

/** The account decider as one value, in the shape Emmett's command handlers take. */
export interface Decider<State, CommandType, EventType> {
  decide: (command: CommandType, state: State) => EventType[];
  evolve: (state: State, event: EventType) => State;
  initialState: () => State;
}

export const accountDecider: Decider<AccountState, AccountCommand, AccountEvent> = {
  decide,
  evolve,
  initialState,
};
