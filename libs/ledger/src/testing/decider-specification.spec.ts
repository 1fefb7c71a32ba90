import { given } from './account-specification';
import { accountOpened, depositFunds, withdrawFunds } from './account-fixtures';

// The helper is what every decider test stands on: it must be able to fail.
describe('given/when/then', () => {
  it('fails when the decided events differ from the expected ones', () => {
    expect(() => given([accountOpened()]).when(depositFunds(5n)).then([])).toThrow();
  });

  it('fails when a refusal was expected and the command succeeded', () => {
    expect(() => given([accountOpened()]).when(depositFunds(5n)).thenFails('validation')).toThrow(
      /expected a validation refusal/,
    );
  });

  it('fails when the refusal has another code', () => {
    expect(() =>
      given([accountOpened()]).when(withdrawFunds(5n)).thenFails('account-frozen'),
    ).toThrow();
  });

  it('fails when the refusal message does not match', () => {
    expect(() =>
      given([accountOpened()]).when(withdrawFunds(5n)).thenFails('insufficient-funds', /nope/),
    ).toThrow();
  });

  it('refuses given events that could not be stored', () => {
    const malformed = { ...accountOpened(), metadata: { eventId: 'not-a-uuid' } };
    expect(() => given([malformed])).toThrow();
  });
});
