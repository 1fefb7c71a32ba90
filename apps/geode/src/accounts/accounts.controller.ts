import { randomUUID } from 'node:crypto';
import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Patch,
  Post,
  Req,
  Res,
} from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { EVENT_STORE, type EventStore } from '@geode/event-store';
import { AccountCommand, accountStreamId, CurrencyCode, LedgerError } from '@geode/ledger';
import { GEODE_CONFIG } from '../config/geode-config.provider';
import { openApiSchema } from '../openapi';
import type { GeodeConfig } from '../config/geode-config';
import { requestIds } from '../http/request-scoped-ids';
import { ExecuteAccountCommand, ExecuteTransfer, WriteOutcome } from './account-commands';
import { AccountRepository, CommandContext } from './account-repository';
import { setResidencyHeader } from './residency-header';
import {
  changeOwnerBody,
  freezeBody,
  moveMoneyBody,
  openAccountBody,
  parseAmount,
  parseBody,
  transferBody,
} from './account-requests';

/** The write side of the account API (DESIGN.md §6) and the stream's audit view. */
@ApiTags('accounts')
@Controller('v1')
export class AccountsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly accounts: AccountRepository,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(GEODE_CONFIG) private readonly config: GeodeConfig,
  ) {}

  @Post('accounts')
  @ApiOperation({ summary: 'Open an account' })
  @ApiBody({ schema: openApiSchema(openAccountBody) })
  async open(
    @Body() body: unknown,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const input = parseBody(openAccountBody, body);
    const ids = requestIds(req);
    const accountId = input.accountId ?? ids('account');
    const outcome = await this.run(
      {
        type: 'OpenAccount',
        data: {
          accountId,
          ownerName: input.owner.name,
          ownerEmail: input.owner.email,
          currency: input.currency as CurrencyCode,
          residency: input.residency,
          homeRegion: input.homeRegion,
        },
        metadata: this.metadata(ids),
      },
      req,
      res,
    );
    res.location(`/v1/accounts/${accountId}`);
    return { accountId, revision: outcome.revision };
  }

  @Post('accounts/:id/deposits')
  @ApiOperation({ summary: 'Deposit minor units' })
  @ApiBody({ schema: openApiSchema(moveMoneyBody) })
  async deposit(
    @Param('id') id: string,
    @Body() body: unknown,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.moveMoney('DepositFunds', id, body, req, res);
  }

  @Post('accounts/:id/withdrawals')
  @ApiOperation({ summary: 'Withdraw minor units (refused when it would overdraw)' })
  @ApiBody({ schema: openApiSchema(moveMoneyBody) })
  async withdraw(
    @Param('id') id: string,
    @Body() body: unknown,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    return this.moveMoney('WithdrawFunds', id, body, req, res);
  }

  @Post('transfers')
  @ApiOperation({ summary: 'Transfer between two accounts of the same currency' })
  @ApiBody({ schema: openApiSchema(transferBody) })
  async transfer(
    @Body() body: unknown,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const input = parseBody(transferBody, body);
    const ids = requestIds(req);
    const transferId = input.transferId ?? ids('transfer');
    const { to } = await this.commands.execute(
      new ExecuteTransfer(
        {
          type: 'TransferFunds',
          data: {
            transferId,
            fromAccountId: input.from,
            toAccountId: input.to,
            amount: parseAmount(input.amount),
          },
          metadata: {
            eventIds: { sent: ids('sent'), received: ids('received') },
            at: this.accounts.now(),
            region: this.config.region,
          },
        },
        this.context(req),
      ),
    );
    this.writeHeaders(res, to);
    return { transferId };
  }

  @Patch('accounts/:id')
  @ApiOperation({ summary: 'Change owner details (last writer wins)' })
  @ApiBody({ schema: openApiSchema(changeOwnerBody) })
  @HttpCode(200)
  async changeOwner(
    @Param('id') id: string,
    @Body() body: unknown,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const input = parseBody(changeOwnerBody, body);
    const outcome = await this.run(
      {
        type: 'ChangeOwnerDetails',
        data: { accountId: id, ownerName: input.owner.name, ownerEmail: input.owner.email },
        metadata: this.metadata(requestIds(req)),
      },
      req,
      res,
    );
    return { accountId: id, revision: outcome.revision };
  }

  @Post('accounts/:id/freeze')
  @ApiOperation({ summary: 'Freeze an account' })
  @HttpCode(200)
  async freeze(
    @Param('id') id: string,
    @Body() body: unknown,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const input = parseBody(freezeBody, isEmpty(body) ? undefined : body);
    const outcome = await this.run(
      {
        type: 'FreezeAccount',
        data: { accountId: id, reason: input?.reason },
        metadata: this.metadata(requestIds(req)),
      },
      req,
      res,
    );
    return { accountId: id, revision: outcome.revision };
  }

  @Post('accounts/:id/unfreeze')
  @ApiOperation({ summary: 'Unfreeze an account' })
  @HttpCode(200)
  async unfreeze(
    @Param('id') id: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const outcome = await this.run(
      {
        type: 'UnfreezeAccount',
        data: { accountId: id },
        metadata: this.metadata(requestIds(req)),
      },
      req,
      res,
    );
    return { accountId: id, revision: outcome.revision };
  }

  @Post('accounts/:id/close')
  @ApiOperation({ summary: 'Close an account (only at zero balance)' })
  @HttpCode(200)
  async close(
    @Param('id') id: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const outcome = await this.run(
      { type: 'CloseAccount', data: { accountId: id }, metadata: this.metadata(requestIds(req)) },
      req,
      res,
    );
    return { accountId: id, revision: outcome.revision };
  }

  @Post('accounts/:id/tags/:tag')
  @ApiOperation({ summary: 'Add a tag' })
  @HttpCode(200)
  async addTag(
    @Param('id') id: string,
    @Param('tag') tag: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const outcome = await this.run(
      { type: 'AddTag', data: { accountId: id, tag }, metadata: this.metadata(requestIds(req)) },
      req,
      res,
    );
    return { accountId: id, revision: outcome.revision };
  }

  @Delete('accounts/:id/tags/:tag')
  @ApiOperation({ summary: 'Remove a tag' })
  async removeTag(
    @Param('id') id: string,
    @Param('tag') tag: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const outcome = await this.run(
      { type: 'RemoveTag', data: { accountId: id, tag }, metadata: this.metadata(requestIds(req)) },
      req,
      res,
    );
    return { accountId: id, revision: outcome.revision };
  }

  /** The stream as this geode holds it: the audit view. */
  @Get('accounts/:id/events')
  @ApiOperation({
    summary: 'The stream as stored here, with dots, deps and origin stamps (audit view)',
  })
  async events(@Param('id') id: string, @Res({ passthrough: true }) res: Response) {
    const stored = await this.store.readStream(accountStreamId(id));
    if (stored.length === 0)
      throw new LedgerError('not-found', `account ${id} does not exist here`, { accountId: id });
    res.setHeader('Geode-Region', this.config.region);
    setResidencyHeader(res, residencyOfOpening(stored[0]));
    return stored.map((event) => ({
      eventId: event.eventId,
      type: event.type,
      schemaVersion: event.schemaVersion,
      data: event.data,
      dot: event.dot,
      deps: event.deps,
      hlc: event.hlc,
      origin: event.origin ? { region: event.origin.region, seq: event.origin.seq } : null,
      hash: event.origin?.hash ?? null,
      recordedAt: event.recordedAt.toISOString(),
    }));
  }

  /** A deposit or a withdrawal: the same body, the same answer. */
  private async moveMoney(
    type: 'DepositFunds' | 'WithdrawFunds',
    accountId: string,
    body: unknown,
    req: Request,
    res: Response,
  ) {
    const input = parseBody(moveMoneyBody, body);
    const metadata = this.metadata(requestIds(req));
    const outcome = await this.run(
      { type, data: { accountId, amount: parseAmount(input.amount) }, metadata },
      req,
      res,
      input.reference === undefined ? {} : { reference: input.reference },
    );
    return { accountId, eventId: metadata.eventId, revision: outcome.revision };
  }

  /** `extra`: caller-given facts kept in the events' metadata (a payment reference). */
  private async run(
    command: AccountCommand,
    req: Request,
    res: Response,
    extra: Record<string, string> = {},
  ): Promise<WriteOutcome> {
    const context = this.context(req);
    context.metadata = { ...context.metadata, ...extra };
    const outcome = await this.commands.execute(new ExecuteAccountCommand(command, context));
    this.writeAccountHeaders(res, outcome);
    return outcome;
  }

  private writeHeaders(res: Response, outcome: WriteOutcome): void {
    res.setHeader('Geode-Session', outcome.session);
    res.setHeader('Geode-Region', this.config.region);
  }

  /** Headers of a write about the account in the path (or the `Location`): with its residency. */
  private writeAccountHeaders(res: Response, outcome: WriteOutcome): void {
    this.writeHeaders(res, outcome);
    setResidencyHeader(res, outcome.residency);
  }

  private metadata(ids: (name: string) => string) {
    return { eventId: ids('event'), at: this.accounts.now(), region: this.config.region };
  }

  private context(req: Request): CommandContext {
    const correlationId = (req as Request & { id?: unknown }).id;
    return {
      metadata: {
        correlationId: typeof correlationId === 'string' ? correlationId : randomUUID(),
        // Until authentication exists every caller is anonymous; the field is where the principal goes.
        principal: 'anonymous',
      },
    };
  }
}

/** The residency an opening event records (the stream's first event); `undefined` when it is not one. */
function residencyOfOpening(first: { type: string; data: unknown }): string[] | null | undefined {
  if (first.type !== 'ledger.AccountOpened' || typeof first.data !== 'object' || !first.data)
    return undefined;
  const { residency } = first.data as { residency?: unknown };
  if (residency === null) return null;
  return Array.isArray(residency) && residency.every((region) => typeof region === 'string')
    ? residency
    : undefined;
}

function isEmpty(body: unknown): boolean {
  return (
    body === undefined ||
    body === null ||
    (typeof body === 'object' && Object.keys(body).length === 0)
  );
}
