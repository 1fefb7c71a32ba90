import { IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { accountIdRule, isCanonicalOrderKey, LedgerError, tagRule } from '@geode/ledger';
import { ProblemException } from '@geode/problem-details';
import type { AccountFilter, AccountView, EntryView } from './account-view';
import { LedgerReadRepository } from './ledger-read-repository';
import { decodeCursor, encodeCursor, parsePageSize, type Page } from './read-page';

/** Filters and paging as a caller sent them (query string or GraphQL arguments): untrusted. */
export interface AccountListRequest {
  owner?: unknown;
  status?: unknown;
  tag?: unknown;
  cursor?: unknown;
  limit?: unknown;
}

export class GetAccount extends Query<AccountView> {
  constructor(readonly accountId: string) {
    super();
  }
}

export class ListAccounts extends Query<Page<AccountView>> {
  constructor(readonly request: AccountListRequest) {
    super();
  }
}

export class ListAccountEntries extends Query<Page<EntryView>> {
  constructor(
    readonly accountId: string,
    readonly request: { cursor?: unknown; limit?: unknown },
  ) {
    super();
  }
}

@QueryHandler(GetAccount)
export class GetAccountHandler implements IQueryHandler<GetAccount> {
  constructor(private readonly reads: LedgerReadRepository) {}

  async execute({ accountId }: GetAccount): Promise<AccountView> {
    return requireAccount(this.reads, accountId);
  }
}

@QueryHandler(ListAccounts)
export class ListAccountsHandler implements IQueryHandler<ListAccounts> {
  constructor(private readonly reads: LedgerReadRepository) {}

  async execute({ request }: ListAccounts): Promise<Page<AccountView>> {
    const filter = parseAccountFilter(request);
    const limit = parsePageSize(request.limit);
    const after = decodeCursor(
      'accounts',
      asText(request.cursor, 'cursor'),
      (key) => accountIdRule(key).ok,
    );
    const { items, more } = await this.reads.accounts(filter, after, limit);
    const last = items[items.length - 1];
    return { items, nextCursor: more && last ? encodeCursor('accounts', last.accountId) : null };
  }
}

@QueryHandler(ListAccountEntries)
export class ListAccountEntriesHandler implements IQueryHandler<ListAccountEntries> {
  constructor(private readonly reads: LedgerReadRepository) {}

  async execute({ accountId, request }: ListAccountEntries): Promise<Page<EntryView>> {
    const limit = parsePageSize(request.limit);
    const after = decodeCursor('entries', asText(request.cursor, 'cursor'), isCanonicalOrderKey);
    await requireAccount(this.reads, accountId);
    const lines = (await this.reads.entriesOf([accountId], after, limit)).get(accountId) ?? [];
    return entriesPage(lines, limit);
  }
}

/** A page of statement lines from up to `limit + 1` keyed lines. */
export function entriesPage(
  lines: readonly { key: string; entry: EntryView }[],
  limit: number,
): Page<EntryView> {
  const page = lines.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map((line) => line.entry),
    nextCursor: lines.length > limit && last ? encodeCursor('entries', last.key) : null,
  };
}

export const accountQueryHandlers = [
  GetAccountHandler,
  ListAccountsHandler,
  ListAccountEntriesHandler,
];

async function requireAccount(
  reads: LedgerReadRepository,
  accountId: string,
): Promise<AccountView> {
  assertAccountId(accountId);
  const account = await reads.account(accountId);
  if (!account)
    throw new LedgerError('not-found', `account ${accountId} does not exist here`, { accountId });
  return account;
}

export function assertAccountId(accountId: unknown): asserts accountId is string {
  const id = accountIdRule(accountId);
  if (!id.ok) throw new LedgerError('validation', `accountId ${id.error}`, { field: 'accountId' });
}

const STATUSES: readonly string[] = ['open', 'overdrawn', 'frozen', 'closed'];

function parseAccountFilter(request: AccountListRequest): AccountFilter {
  const owner = asText(request.owner, 'owner');
  const status = asText(request.status, 'status');
  const tag = asText(request.tag, 'tag');
  if (owner !== undefined && (owner.length === 0 || owner.length > 254))
    throw badFilter('owner', 'owner must be 1–254 characters (a name or an email)');
  if (status !== undefined && !STATUSES.includes(status))
    throw badFilter('status', 'status must be open, frozen or closed');
  if (tag !== undefined && !tagRule(tag).ok) throw badFilter('tag', `tag is not a tag`);
  return {
    ...(owner !== undefined && { owner }),
    ...(status !== undefined && { status: status as AccountView['status'] }),
    ...(tag !== undefined && { tag }),
  };
}

/** A query string parameter given once, as text (`?tag=a&tag=b` is refused). */
function asText(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw badFilter(field, `${field} must be given once, as text`);
  return value;
}

function badFilter(field: string, detail: string): ProblemException {
  return new ProblemException(400, 'validation', detail, { field });
}
