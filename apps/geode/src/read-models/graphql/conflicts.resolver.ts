import { UseGuards } from '@nestjs/common';
import {
  Args,
  Context,
  ID,
  Mutation,
  Parent,
  Query,
  ResolveField,
  Resolver,
} from '@nestjs/graphql';
import { accountStreamId } from '@geode/ledger';
import { OperatorGuard } from '@geode/operator-auth';
import { ProblemException } from '@geode/problem-details';
import { ConflictRepository, type MergeView } from '../../conflicts/conflict-repository';
import { ConflictResolution } from '../../conflicts/conflict-resolution';
import { recordedOperator } from '../../conflicts/recorded-operator';
import { AccountModel } from './account.model';
import { ConflictEntryModel, MergeModel, ResolvedConflictModel } from './conflict.model';

/** The conflict queue and merge history of the REST API, in GraphQL (ADR 0012). */
@Resolver(() => AccountModel)
export class ConflictsResolver {
  constructor(
    private readonly queue: ConflictRepository,
    private readonly resolution: ConflictResolution,
  ) {}

  @Query(() => [ConflictEntryModel], { description: 'Forks detected here, latest first' })
  async conflicts(
    @Args('status', { nullable: true, type: () => String, description: 'pending or resolved' })
    status?: string,
  ): Promise<ConflictEntryModel[]> {
    if (status !== undefined && status !== null && status !== 'pending' && status !== 'resolved')
      throw new ProblemException(400, 'validation', 'status must be pending or resolved', {
        field: 'status',
      });
    return this.queue.list(status ?? null);
  }

  @ResolveField(() => [MergeModel], { description: "The account's merges, in canonical order" })
  async merges(@Parent() account: AccountModel): Promise<MergeModel[]> {
    const merges = await this.queue.mergesOf(accountStreamId(account.accountId));
    return merges.map(toMergeModel);
  }

  @Mutation(() => ResolvedConflictModel, {
    description:
      "An operator's resolution of a manual fork (Authorization: Bearer <operator token>; recorded under the token's operator)",
  })
  @UseGuards(OperatorGuard)
  async resolveConflict(
    @Context('req') req: unknown,
    @Args('id', { type: () => ID }) id: string,
    @Args('reason') reason: string,
    @Args('operator', {
      nullable: true,
      type: () => String,
      description:
        "Optional: the token's operator is recorded; if given, it must name the same one",
    })
    operator?: string,
    @Args('reopen', { nullable: true, type: () => Boolean }) reopen?: boolean,
    @Args('balanceAdjustment', { nullable: true, type: () => String }) balanceAdjustment?: string,
  ): Promise<ResolvedConflictModel> {
    if (reason.trim() === '' || reason.length > 2000)
      throw new ProblemException(400, 'validation', 'reason must be 1–2000 characters', {
        field: 'reason',
      });
    const outcome = {
      ...(reopen !== undefined && reopen !== null && { reopen }),
      ...(balanceAdjustment !== undefined && balanceAdjustment !== null && { balanceAdjustment }),
    };
    const resolved = await this.resolution.resolve(id, {
      outcome,
      reason: reason.trim(),
      operator: recordedOperator(req, operator),
    });
    return { conflictId: resolved.conflictId, mergeEventId: resolved.mergeEventId };
  }
}

function toMergeModel(merge: MergeView): MergeModel {
  return {
    mergeEventId: merge.mergeEventId,
    heads: merge.heads,
    concurrentEvents: merge.concurrentEvents,
    strategy: merge.strategy,
    resolver: merge.resolver,
    outcome: JSON.stringify(merge.outcome),
    compensations: JSON.stringify(merge.compensations),
    resolvedBy: JSON.stringify(merge.resolvedBy),
  };
}
