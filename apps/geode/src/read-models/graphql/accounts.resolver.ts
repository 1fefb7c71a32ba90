import { Inject } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { Args, Context, ID, Int, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { WallClock } from '@geode/clock';
import { isCanonicalOrderKey, isLedgerError } from '@geode/ledger';
import { GEODE_CONFIG } from '../../config/geode-config.provider';
import type { GeodeConfig } from '../../config/geode-config';
import { WALL_CLOCK } from '../../clock/wall-clock.provider';
import { entriesPage, GetAccount, ListAccounts } from '../account-queries';
import type { AccountView } from '../account-view';
import { LedgerReadRepository } from '../ledger-read-repository';
import { decodeCursor, parsePageSize, type Page } from '../read-page';
import {
  AccountConnectionModel,
  AccountModel,
  AccountStatus,
  EntryConnectionModel,
} from './account.model';
import { EntriesLoaders } from './entries.loader';

/** What each GraphQL request carries: its HTTP request and its loaders. */
export interface GraphqlRequestContext {
  req: unknown;
  entries?: EntriesLoaders;
}

/** The account queries of the REST API, in GraphQL; both go through the same query handlers. */
@Resolver(() => AccountModel)
export class AccountsResolver {
  constructor(
    private readonly queries: QueryBus,
    private readonly reads: LedgerReadRepository,
    @Inject(GEODE_CONFIG) private readonly config: GeodeConfig,
    @Inject(WALL_CLOCK) private readonly clock: WallClock,
  ) {}

  @Query(() => AccountModel, {
    nullable: true,
    description: 'null when this geode holds no such account',
  })
  async account(@Args('id', { type: () => ID }) id: string): Promise<AccountModel | null> {
    try {
      return this.served(await this.queries.execute(new GetAccount(id)));
    } catch (error) {
      if (isLedgerError(error, 'not-found')) return null;
      throw error;
    }
  }

  @Query(() => AccountConnectionModel)
  async accounts(
    @Args('owner', { nullable: true, type: () => String }) owner?: string,
    @Args('status', { nullable: true, type: () => AccountStatus }) status?: AccountStatus,
    @Args('tag', { nullable: true, type: () => String }) tag?: string,
    @Args('first', { nullable: true, type: () => Int }) first?: number,
    @Args('after', { nullable: true, type: () => String }) after?: string,
  ): Promise<AccountConnectionModel> {
    const page: Page<AccountView> = await this.queries.execute(
      new ListAccounts({ owner, status, tag, cursor: after, limit: first }),
    );
    return {
      nodes: page.items.map((view) => this.served(view)),
      pageInfo: { hasNextPage: page.nextCursor !== null, endCursor: page.nextCursor },
    };
  }

  @ResolveField(() => EntryConnectionModel)
  async entries(
    @Parent() account: AccountModel,
    @Context() context: GraphqlRequestContext,
    @Args('first', { nullable: true, type: () => Int }) first?: number,
    @Args('after', { nullable: true, type: () => String }) after?: string,
  ): Promise<EntryConnectionModel> {
    const limit = parsePageSize(first, 'first');
    const afterKey = decodeCursor('entries', after, isCanonicalOrderKey);
    context.entries ??= new EntriesLoaders(this.reads);
    const page = entriesPage(await context.entries.load(account.accountId, afterKey, limit), limit);
    return {
      nodes: page.items,
      pageInfo: { hasNextPage: page.nextCursor !== null, endCursor: page.nextCursor },
    };
  }

  private served(view: AccountView): AccountModel {
    return {
      ...view,
      status: view.status as AccountStatus,
      servedBy: this.config.region,
      asOf: new Date(this.clock.nowMs()).toISOString(),
    };
  }
}
