import { readData } from '../shared/data-reader';
import { accountIdRule, tagRule, timestampRule } from '../shared/field-rules';
import type { DomainEvent } from './domain-event';
import { identityUpcaster, type EventSchema } from './event-schema';

export const TAG_ADDED = 'ledger.TagAdded';

export type TagAddedData = Readonly<{
  accountId: string;
  tag: string;
  at: string;
}>;

export type TagAdded = DomainEvent<typeof TAG_ADDED, TagAddedData>;

export const tagAddedSchema: EventSchema<typeof TAG_ADDED, TagAddedData> = {
  type: TAG_ADDED,
  schemaVersion: 1,
  merge: { kind: 'set', field: 'tags', operation: 'add', element: 'tag', bias: 'add-wins' },
  upcast: identityUpcaster,
  parseData: (data) =>
    readData(data, (fields) => ({
      accountId: fields.required('accountId', accountIdRule),
      tag: fields.required('tag', tagRule),
      at: fields.required('at', timestampRule),
    })),
};
