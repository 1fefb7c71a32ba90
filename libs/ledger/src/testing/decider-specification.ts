import { LedgerError, type LedgerErrorCode } from '../shared/ledger-error';

export interface DeciderUnderTest<State, Command, Event> {
  decide: (command: Command, state: State) => Event[];
  evolve: (state: State, event: Event) => State;
  initialState: () => State;
}

export interface SpecificationOptions<Event> {
  /** Run on every given and every decided event, e.g. "is storable and reads back". */
  checkEvent?: (event: Event) => void;
}

/**
 * `given(events).when(command).then(events)` / `.thenFails(code)`, after
 * Emmett's DeciderSpecification. `then` also decides a second time and expects
 * the same events: decisions must be deterministic.
 */
export function deciderSpecification<State, Command, Event>(
  decider: DeciderUnderTest<State, Command, Event>,
  options: SpecificationOptions<Event> = {},
) {
  const check = options.checkEvent ?? (() => undefined);
  return (givenEvents: readonly Event[]) => {
    givenEvents.forEach(check);
    const state = givenEvents.reduce(decider.evolve, decider.initialState());
    return {
      when: (command: Command) => ({
        then(expected: readonly Event[]): Event[] {
          const decided = decider.decide(command, state);
          expect(decided).toEqual(expected);
          expect(decider.decide(command, state)).toEqual(decided);
          decided.forEach(check);
          decided.reduce(decider.evolve, state);
          return decided;
        },
        thenFails(code: LedgerErrorCode, message?: string | RegExp): LedgerError {
          return expectRefusal(() => decider.decide(command, state), code, message);
        },
      }),
    };
  };
}

/** Runs `decision`, expecting a `LedgerError` with `code` (and a message matching `message`). */
export function expectRefusal(
  decision: () => unknown,
  code: LedgerErrorCode,
  message?: string | RegExp,
): LedgerError {
  let outcome: unknown;
  try {
    outcome = decision();
  } catch (error) {
    if (!(error instanceof LedgerError)) throw error;
    if (error.code !== code) {
      throw new Error(`expected a ${code} refusal, got ${error.code}: ${error.message}`, {
        cause: error,
      });
    }
    if (message !== undefined) expect(error.message).toMatch(message);
    return error;
  }
  throw new Error(`expected a ${code} refusal, got ${JSON.stringify(outcome, bigintAsText)}`);
}

function bigintAsText(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? `${value}n` : value;
}
