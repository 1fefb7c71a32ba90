export * from './logging.module';
export * from './metrics.module';
export * from './root-logger';
