export * from './problem-details';
export * from './problem-details.filter';
