import { EventStore1764150000000 } from './1764150000000-event-store';
import { AppendBodyDigest1795717200000 } from './1795717200000-append-body-digest';
import { ReplicatedApplyFunction1795720800000 } from './1795720800000-replicated-apply-function';
import { AppendSetBased1795860000000 } from './1795860000000-append-set-based';

/** The event store's migrations, in order; apps list them among their own. */
export const eventStoreMigrations = [
  EventStore1764150000000,
  AppendBodyDigest1795717200000,
  ReplicatedApplyFunction1795720800000,
  AppendSetBased1795860000000,
];
