import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { WallClock } from '@geode/clock';
import { GEODE_CONFIG } from '../config/geode-config.provider';
import type { GeodeConfig } from '../config/geode-config';
import { WALL_CLOCK } from '../clock/wall-clock.provider';
import { setResidencyHeader } from '../accounts/residency-header';
import { GetAccount, ListAccountEntries, ListAccounts } from './account-queries';
import type { AccountView } from './account-view';
import { SESSION_HEADER, SessionWait } from './session-wait';

/**
 * The read side of the account API: answers from the ledger read models only,
 * after waiting for the caller's `Geode-Session` (if any) to be covered here.
 */
@ApiTags('accounts')
@Controller('v1/accounts')
export class AccountReadsController {
  constructor(
    private readonly queries: QueryBus,
    private readonly session: SessionWait,
    @Inject(GEODE_CONFIG) private readonly config: GeodeConfig,
    @Inject(WALL_CLOCK) private readonly clock: WallClock,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Accounts, by id, filtered by owner (name or email), status or tag' })
  @ApiQuery({ name: 'owner', required: false })
  @ApiQuery({ name: 'status', required: false, enum: ['open', 'overdrawn', 'frozen', 'closed'] })
  @ApiQuery({ name: 'tag', required: false })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  @ApiQuery({ name: 'limit', required: false, description: '1–500, default 50' })
  async list(
    @Query() query: Record<string, unknown>,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    await this.session.satisfy(req.headers[SESSION_HEADER]);
    const page = await this.queries.execute(new ListAccounts(query));
    return { items: page.items.map((view) => this.served(view, res)), nextCursor: page.nextCursor };
  }

  @Get(':id')
  @ApiOperation({
    summary: 'An account from the read model, with its conflict state and who served it',
  })
  async get(
    @Param('id') id: string,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    await this.session.satisfy(req.headers[SESSION_HEADER]);
    const view = await this.queries.execute(new GetAccount(id));
    setResidencyHeader(res, view.residency);
    return this.served(view, res);
  }

  @Get(':id/entries')
  @ApiOperation({
    summary: "The account's statement: a line per money movement, in canonical order",
  })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  @ApiQuery({ name: 'limit', required: false, description: '1–500, default 50' })
  async entries(
    @Param('id') id: string,
    @Query() query: Record<string, unknown>,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    await this.session.satisfy(req.headers[SESSION_HEADER]);
    const page = await this.queries.execute(
      new ListAccountEntries(id, { cursor: query.cursor, limit: query.limit }),
    );
    res.setHeader('Geode-Region', this.config.region);
    return { accountId: id, items: page.items, nextCursor: page.nextCursor };
  }

  private served(view: AccountView, res: Response) {
    res.setHeader('Geode-Region', this.config.region);
    return {
      ...view,
      servedBy: this.config.region,
      asOf: new Date(this.clock.nowMs()).toISOString(),
    };
  }
}
