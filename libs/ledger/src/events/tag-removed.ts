import { readData } from '../shared/data-reader';
import { accountIdRule, tagRule, timestampRule } from '../shared/field-rules';
import type { DomainEvent } from './domain-event';
import { identityUpcaster, type EventSchema } from './event-schema';

export const TAG_REMOVED = 'ledger.TagRemoved';

export type TagRemovedData = Readonly<{
  accountId: string;
  tag: string;
  at: string;
}>;

export type TagRemoved = DomainEvent<typeof TAG_REMOVED, TagRemovedData>;

export const tagRemovedSchema: EventSchema<typeof TAG_REMOVED, TagRemovedData> = {
  type: TAG_REMOVED,
  schemaVersion: 1,
  merge: { kind: 'set', field: 'tags', operation: 'remove', element: 'tag', bias: 'add-wins' },
  upcast: identityUpcaster,
  parseData: (data) =>
    readData(data, (fields) => ({
      accountId: fields.required('accountId', accountIdRule),
      tag: fields.required('tag', tagRule),
      at: fields.required('at', timestampRule),
    })),
};
