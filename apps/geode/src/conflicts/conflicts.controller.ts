import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { accountStreamId } from '@geode/ledger';
import { ProblemException } from '@geode/problem-details';
import { GEODE_CONFIG } from '../config/geode-config.provider';
import type { GeodeConfig } from '../config/geode-config';
import { ConflictRepository } from './conflict-repository';
import { ConflictResolution, type OperatorResolution } from './conflict-resolution';

/**
 * The conflict queue (ADR 0012). Resolving is an operator's act; there is no
 * authentication on the geode's public API yet, so anyone who reaches it can
 * resolve a manual fork (recorded with the operator name they give).
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
  @ApiOperation({
    summary:
      "An operator's resolution of a manual fork: outcome and reason (not authenticated yet)",
  })
  resolve(@Param('id') id: string, @Body() body: unknown) {
    return this.resolution.resolve(id, readResolveBody(body));
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

function readResolveBody(body: unknown): OperatorResolution {
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
  if (
    operator !== undefined &&
    (typeof operator !== 'string' || operator.trim() === '' || operator.length > 200)
  )
    throw new ProblemException(400, 'validation', 'operator must be 1–200 characters', {
      field: 'operator',
    });
  return {
    outcome,
    reason: reason.trim(),
    operator: operator?.trim() ?? 'unauthenticated',
  };
}
