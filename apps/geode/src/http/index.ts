export * from './idempotency-options';
export * from './idempotency.module';
export * from './idempotency.interceptor';
export * from './migrations/1795711770000-idempotency';
export * from './request-limits';
export * from './request-scoped-ids';
