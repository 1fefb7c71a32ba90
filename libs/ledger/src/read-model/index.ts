export * from './add-wins-set';
export * from './canonical-order';
export * from './last-writer-wins';
export * from './ledger-read-batch';
