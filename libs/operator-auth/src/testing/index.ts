export * from './operator-tokens';
