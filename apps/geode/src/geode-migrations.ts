import { eventStoreMigrations } from '@geode/event-store';
import { projectionMigrations } from '@geode/projections';
import { Idempotency1795711770000 } from './http/migrations/1795711770000-idempotency';

/**
 * Every migration of the geode's database, in the order they run. Each
 * library that owns tables exports its migrations; the app lists them here.
 */
export const geodeMigrations: Function[] = [
  ...eventStoreMigrations,
  Idempotency1795711770000,
  ...projectionMigrations,
];
