import { Field, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';

export enum AccountStatus {
  open = 'open',
  overdrawn = 'overdrawn',
  frozen = 'frozen',
  closed = 'closed',
}
registerEnumType(AccountStatus, { name: 'AccountStatus' });

@ObjectType('Owner')
export class OwnerModel {
  @Field() name!: string;
  @Field(() => String, { nullable: true }) email!: string | null;
}

@ObjectType('PageInfo')
export class PageInfoModel {
  @Field() hasNextPage!: boolean;
  /** The cursor to pass as `after` for the next page; null on the last one. */
  @Field(() => String, { nullable: true }) endCursor!: string | null;
}

@ObjectType('Entry', { description: 'One line of a statement: a money movement' })
export class EntryModel {
  @Field(() => ID) eventId!: string;
  @Field(() => ID) accountId!: string;
  // Text, not an enum: GraphQL enum values cannot hold the REST API's dashes.
  @Field({ description: 'deposit, withdrawal, transfer-sent or transfer-received' })
  kind!: string;
  @Field({ description: 'Signed minor units as a decimal string: money out is negative' })
  amount!: string;
  @Field(() => String, { nullable: true }) currency!: string | null;
  @Field(() => String, { nullable: true }) transferId!: string | null;
  @Field(() => String, { nullable: true }) counterpartyId!: string | null;
  @Field() occurredAt!: string;
}

@ObjectType('EntryConnection')
export class EntryConnectionModel {
  @Field(() => [EntryModel]) nodes!: EntryModel[];
  @Field(() => PageInfoModel) pageInfo!: PageInfoModel;
}

@ObjectType('Conflict', {
  description: 'A fork: concurrent heads waiting for, or closed by, a merge',
})
export class ConflictModel {
  @Field({ description: 'Event time (HLC) of the latest head' }) forkedAt!: string;
  @Field(() => [ID]) heads!: string[];
  @Field({ description: 'pending or resolved' }) status!: string;
  @Field(() => ID, { nullable: true }) mergeEventId!: string | null;
}

@ObjectType('Account')
export class AccountModel {
  @Field(() => ID) accountId!: string;
  @Field(() => OwnerModel) owner!: OwnerModel;
  @Field() currency!: string;
  @Field({ description: 'Minor units as a decimal string' }) balance!: string;
  @Field(() => AccountStatus) status!: AccountStatus;
  @Field(() => [String]) tags!: string[];
  @Field() homeRegion!: string;
  @Field(() => [String], { nullable: true, description: 'null: every region' })
  residency!: string[] | null;
  @Field(() => Int) revision!: number;
  @Field(() => String, { nullable: true }) lastEventAt!: string | null;
  @Field(() => ConflictModel, {
    nullable: true,
    description: 'The latest fork of the account: null when it never forked',
  })
  conflict!: ConflictModel | null;
  @Field({ description: 'The region of the geode that answered' }) servedBy!: string;
  @Field({ description: 'When this geode read it' }) asOf!: string;
}

@ObjectType('AccountConnection')
export class AccountConnectionModel {
  @Field(() => [AccountModel]) nodes!: AccountModel[];
  @Field(() => PageInfoModel) pageInfo!: PageInfoModel;
}
