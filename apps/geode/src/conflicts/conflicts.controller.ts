import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  Req,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { accountStreamId } from '@geode/ledger';
import { OperatorGuard } from '@geode/operator-auth';
import { ProblemException } from '@geode/problem-details';
import { GEODE_CONFIG } from '../config/geode-config.provider';
import type { GeodeConfig } from '../config/geode-config';
import { ConflictRepository } from './conflict-repository';
import { ConflictResolution, type OperatorResolution } from './conflict-resolution';
import { recordedOperator } from './recorded-operator';

/**
 * The conflict queue (ADR 0012). Reading it is public like other reads;
 * resolving is an authenticated operator's act, recorded under the name of
 * the operator token (ADR 0014).
 */
@ApiTags('conflicts')
@Controller()
export class ConflictsController {
  constructor(
    private readonly conflicts: ConflictRepository,
    private readonly resolution: ConflictResolution,
    @Inject(GEODE_CONFIG) private readonly config: GeodeConfig,
  ) {}

  @Get('v1/conflicts')
  @ApiOperation({ summary: 'Forks detected here, latest first' })
  @ApiQuery({ name: 'status', required: false, enum: ['pending', 'resolved'] })
  async list(@Query('status') status?: unknown) {
    if (status !== undefined && status !== 'pending' && status !== 'resolved')
      throw new ProblemException(400, 'validation', 'status must be pending or resolved', {
        field: 'status',
      });
    return { items: await this.conflicts.list(status ?? null), servedBy: this.config.region };
  }

  @Post('v1/conflicts/:id/resolve')
  @HttpCode(201)
  @UseGuards(OperatorGuard)
  @ApiBearerAuth()
  @ApiOperation({
    summary:
      "An operator's resolution of a manual fork: outcome and reason (operator token required)",
  })
  resolve(@Param('id') id: string, @Body() body: unknown, @Req() req: unknown) {
    return this.resolution.resolve(id, readResolveBody(body, req));
  }

  @Get('v1/accounts/:id/merges')
  @ApiOperation({ summary: "The account's merge history, in canonical order" })
  async merges(@Param('id') id: string) {
    let streamId: string;
    try {
      streamId = accountStreamId(id);
    } catch {
      throw new ProblemException(400, 'validation', 'not an account id', { field: 'id' });
    }
    return {
      accountId: id,
      items: await this.conflicts.mergesOf(streamId),
      servedBy: this.config.region,
    };
  }
}

function readResolveBody(body: unknown, req: unknown): OperatorResolution {
  const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((k) => !['outcome', 'reason', 'operator'].includes(k));
  if (unknown.length > 0)
    throw new ProblemException(400, 'validation', `${unknown[0]} is not allowed`, {
      field: unknown[0],
    });
  const { outcome, reason, operator } = fields;
  if (typeof outcome !== 'object' || outcome === null)
    throw new ProblemException(400, 'validation', 'outcome must be an object', {
      field: 'outcome',
    });
  if (typeof reason !== 'string' || reason.trim() === '' || reason.length > 2000)
    throw new ProblemException(400, 'validation', 'reason must be 1–2000 characters', {
      field: 'reason',
    });
  return { outcome, reason: reason.trim(), operator: recordedOperator(req, operator) };
}
