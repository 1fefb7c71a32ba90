// The ledger domain: pure deciders for account streams. No framework, store or
// clock imports; handlers bring ids and time in with the command.

export * from './account/account-decider';
export * from './account/account-guards';
export * from './account/account-state';
export * from './account/account-stream';
export * from './account/decide';
export * from './account/evolve';

export * from './commands/account-command';
export * from './commands/add-tag';
export * from './commands/change-owner-details';
export * from './commands/close-account';
export * from './commands/command';
export * from './commands/command-checks';
export * from './commands/deposit-funds';
export * from './commands/freeze-account';
export * from './commands/open-account';
export * from './commands/remove-tag';
export * from './commands/transfer-funds';
export * from './commands/unfreeze-account';
export * from './commands/withdraw-funds';

export * from './events/account-closed';
export * from './events/account-event';
export * from './events/account-event-registry';
export * from './events/account-frozen';
export * from './events/account-opened';
export * from './events/account-unfrozen';
export * from './events/domain-event';
export * from './events/event-schema';
export * from './events/funds-deposited';
export * from './events/funds-withdrawn';
export * from './events/merge-declaration';
export * from './events/owner-details-changed';
export * from './events/tag-added';
export * from './events/tag-removed';
export * from './events/transfer-received';
export * from './events/transfer-sent';

export * from './read-model';

export * from './money/currency';
export * from './money/minor-units';

export * from './shared/data-reader';
export * from './shared/field-rules';
export * from './shared/json';
export * from './shared/ledger-error';
export * from './shared/result';

export * from './account/canonical-fold';
export * from './merge';
