import { Field, ID, Int, ObjectType } from '@nestjs/graphql';

@ObjectType('ConflictEntry', {
  description: 'A fork in the conflict queue of the geode that answers',
})
export class ConflictEntryModel {
  @Field(() => ID) conflictId!: string;
  @Field() streamId!: string;
  @Field(() => [ID]) heads!: string[];
  @Field({ description: 'Event time (HLC) of the latest head' }) forkedAt!: string;
  @Field() detectedInRegion!: string;
  @Field({ description: 'pending or resolved' }) status!: string;
  @Field(() => ID, { nullable: true }) mergeEventId!: string | null;
}

@ObjectType('Resolver')
export class ResolverModel {
  @Field() name!: string;
  @Field(() => Int) version!: number;
}

@ObjectType('Merge', { description: 'A merge event: how a fork was closed, and by whom' })
export class MergeModel {
  @Field(() => ID) mergeEventId!: string;
  @Field(() => [ID]) heads!: string[];
  @Field(() => [ID]) concurrentEvents!: string[];
  @Field({ description: 'resolver or manual' }) strategy!: string;
  @Field(() => ResolverModel) resolver!: ResolverModel;
  @Field({ description: 'The recorded outcome (state diff), as JSON text' }) outcome!: string;
  @Field({ description: 'The compensations, as JSON text' }) compensations!: string;
  @Field({ description: 'Who resolved it (a region, or an operator with a reason), as JSON text' })
  resolvedBy!: string;
}

@ObjectType('ResolvedConflict')
export class ResolvedConflictModel {
  @Field(() => ID) conflictId!: string;
  @Field(() => ID) mergeEventId!: string;
}
