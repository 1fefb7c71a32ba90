import { eventStoreMigrations } from '@geode/event-store';

/**
 * Every migration of the geode's database, in the order they run. Each
 * library that owns tables exports its migrations; the app lists them here.
 */
export const geodeMigrations: Function[] = [...eventStoreMigrations];
