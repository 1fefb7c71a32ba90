import { EventStore1764150000000 } from './1764150000000-event-store';

/** The event store's migrations, in order; apps list them among their own. */
export const eventStoreMigrations = [EventStore1764150000000];
