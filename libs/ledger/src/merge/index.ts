export * from './account-merge-outcome';
export * from './account-merge-policy';
