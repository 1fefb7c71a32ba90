import { InvalidEventData } from '../shared/ledger-error';
import { eventIdRule } from '../shared/field-rules';
import { toJsonObject, type JsonObject } from '../shared/json';
import { failure, ok, type Result } from '../shared/result';
import { ACCOUNT_CLOSED, accountClosedSchema } from './account-closed';
import type { AccountEvent, AccountEventOfType, AccountEventType } from './account-event';
import { ACCOUNT_FROZEN, accountFrozenSchema } from './account-frozen';
import { ACCOUNT_OPENED, accountOpenedSchema } from './account-opened';
import { ACCOUNT_UNFROZEN, accountUnfrozenSchema } from './account-unfrozen';
import type { EventSchema } from './event-schema';
import { FUNDS_DEPOSITED, fundsDepositedSchema } from './funds-deposited';
import { FUNDS_WITHDRAWN, fundsWithdrawnSchema } from './funds-withdrawn';
import { OWNER_DETAILS_CHANGED, ownerDetailsChangedSchema } from './owner-details-changed';
import { TAG_ADDED, tagAddedSchema } from './tag-added';
import { TAG_REMOVED, tagRemovedSchema } from './tag-removed';
import { TRANSFER_RECEIVED, transferReceivedSchema } from './transfer-received';
import { TRANSFER_SENT, transferSentSchema } from './transfer-sent';

export type AccountEventRegistry = {
  readonly [Type in AccountEventType]: EventSchema<Type, AccountEventOfType<Type>['data']>;
};

/**
 * Every account event type under its stable name. The mapped type makes a
 * forgotten registration a compile error.
 */
export const accountEventRegistry: AccountEventRegistry = {
  [ACCOUNT_OPENED]: accountOpenedSchema,
  [FUNDS_DEPOSITED]: fundsDepositedSchema,
  [FUNDS_WITHDRAWN]: fundsWithdrawnSchema,
  [ACCOUNT_FROZEN]: accountFrozenSchema,
  [ACCOUNT_UNFROZEN]: accountUnfrozenSchema,
  [ACCOUNT_CLOSED]: accountClosedSchema,
  [OWNER_DETAILS_CHANGED]: ownerDetailsChangedSchema,
  [TAG_ADDED]: tagAddedSchema,
  [TAG_REMOVED]: tagRemovedSchema,
  [TRANSFER_SENT]: transferSentSchema,
  [TRANSFER_RECEIVED]: transferReceivedSchema,
};

export const ACCOUNT_EVENT_TYPES = Object.keys(accountEventRegistry) as readonly AccountEventType[];

export function isAccountEventType(type: unknown): type is AccountEventType {
  return typeof type === 'string' && Object.hasOwn(accountEventRegistry, type);
}

/** An event as the store and replication carry it (the store's `NewEvent` without metadata). */
export interface EventRecord {
  eventId: string;
  type: string;
  schemaVersion: number;
  data: JsonObject;
}

/** The fields `parseAccountEvent` reads: a stored or replicated event, not yet trusted. */
export interface UntrustedEventRecord {
  readonly eventId: unknown;
  readonly type: unknown;
  readonly schemaVersion: unknown;
  readonly data: unknown;
}

/**
 * Reads a stored or replicated event into a typed one: known type, a schema
 * version this code can read (older ones upcast), valid data. Anything else is
 * refused with the path of the first problem; `evolve` only ever sees events
 * that came through here or from `decide`.
 */
export function parseAccountEvent(
  record: UntrustedEventRecord,
): Result<AccountEvent, InvalidEventData> {
  const { eventId, type, schemaVersion, data } = record;
  if (!isAccountEventType(type)) {
    const named = typeof type === 'string' ? type : String(type);
    return failure(new InvalidEventData(named, 'type', 'is not a ledger account event type'));
  }
  const schema: EventSchema<AccountEventType, AccountEvent['data']> = accountEventRegistry[type];
  if (typeof schemaVersion !== 'number' || !Number.isInteger(schemaVersion) || schemaVersion < 1) {
    return failure(new InvalidEventData(type, 'schemaVersion', 'must be a whole number >= 1'));
  }
  if (schemaVersion > schema.schemaVersion) {
    return failure(
      new InvalidEventData(
        type,
        'schemaVersion',
        `is ${schemaVersion}, newer than ${schema.schemaVersion}, the latest this geode reads; upgrade it`,
      ),
    );
  }
  const id = eventIdRule(eventId);
  if (!id.ok) return failure(new InvalidEventData(type, 'eventId', id.error));
  const parsed = schema.parseData(schema.upcast(data, schemaVersion));
  if (!parsed.ok) {
    const { path, problem } = parsed.error;
    return failure(new InvalidEventData(type, path === '' ? 'data' : `data.${path}`, problem));
  }
  // The registry pairs each type with its own schema, so type and data match.
  return ok({ type, data: parsed.value, metadata: { eventId: id.value } } as AccountEvent);
}

/** The event as the store appends it: current schema version, a JSON copy of its data. */
export function toEventRecord(event: AccountEvent): EventRecord {
  return {
    eventId: event.metadata.eventId,
    type: event.type,
    schemaVersion: accountEventRegistry[event.type].schemaVersion,
    data: toJsonObject(event.data),
  };
}
