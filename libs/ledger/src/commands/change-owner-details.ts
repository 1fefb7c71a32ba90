import { requireUsable } from '../account/account-guards';
import type { AccountState } from '../account/account-state';
import { OWNER_DETAILS_CHANGED, type OwnerDetailsChanged } from '../events/owner-details-changed';
import { accountIdRule, emailRule, ownerNameRule } from '../shared/field-rules';
import { LedgerError } from '../shared/ledger-error';
import type { Command } from './command';
import { checked, checkedMetadata, trimmed } from './command-checks';

export type ChangeOwnerDetails = Command<
  'ChangeOwnerDetails',
  Readonly<{
    accountId: string;
    /** Absent: unchanged. */
    ownerName?: string;
    /** Absent: unchanged; `null`: cleared. */
    ownerEmail?: string | null;
  }>
>;

/**
 * The event names only the fields that really change, so it overwrites no
 * concurrent change of another field (per-field last-writer-wins). Nothing to
 * change, nothing emitted. Allowed while frozen: a hold stops money, not mail.
 */
export function decideChangeOwnerDetails(
  command: ChangeOwnerDetails,
  state: AccountState,
): OwnerDetailsChanged[] {
  const { eventId, at, region } = checkedMetadata(command.metadata);
  const { data } = command;
  const accountId = checked('accountId', accountIdRule, data.accountId);
  if (data.ownerName === undefined && data.ownerEmail === undefined) {
    throw new LedgerError('validation', 'give ownerName, ownerEmail or both to change', {
      field: 'ownerName',
    });
  }
  const ownerName =
    data.ownerName === undefined
      ? undefined
      : checked('ownerName', ownerNameRule, trimmed(data.ownerName));
  const ownerEmail =
    data.ownerEmail === undefined || data.ownerEmail === null
      ? data.ownerEmail
      : checked('ownerEmail', emailRule, trimmed(data.ownerEmail));

  const account = requireUsable(state, accountId, region);
  const nameChanges = ownerName !== undefined && ownerName !== account.owner.name;
  const emailChanges = ownerEmail !== undefined && ownerEmail !== account.owner.email;
  if (!nameChanges && !emailChanges) return [];

  return [
    {
      type: OWNER_DETAILS_CHANGED,
      data: {
        accountId,
        ...(nameChanges && { ownerName }),
        ...(emailChanges && { ownerEmail }),
        at,
      },
      metadata: { eventId },
    },
  ];
}
