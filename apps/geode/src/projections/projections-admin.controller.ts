import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { OperatorGuard } from '@geode/operator-auth';
import { ProblemDetailsFilter } from '@geode/problem-details';
import { ProjectionPlatform } from '@geode/projections';
import { PROJECTION_PLATFORM } from './projection-platform.token';
import { projectionProblems } from './projection-problems';
import { parsePage, parseResetTarget } from './projection-requests';

/**
 * Operators' view of the projections (DESIGN.md §6 `/admin/v1/…`), for
 * authenticated operators only (ADR 0014).
 */
@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(OperatorGuard)
@Controller('admin/v1/projections')
@UseFilters(new ProblemDetailsFilter([projectionProblems]))
export class ProjectionsAdminController {
  constructor(@Inject(PROJECTION_PLATFORM) private readonly platform: ProjectionPlatform) {}

  @Get()
  @ApiOperation({ summary: 'Projections with status, checkpoint, lag, dead letters, rebuild' })
  async list() {
    return { projections: await this.platform.list() };
  }

  @Get(':name')
  @ApiOperation({ summary: 'One projection: status and rebuild progress' })
  get(@Param('name') name: string) {
    return this.platform.get(name);
  }

  @Post(':name/rebuild')
  @HttpCode(202)
  @ApiOperation({ summary: 'Rebuild beside the live tables, then swap (poll the Location)' })
  async rebuild(@Param('name') name: string, @Res({ passthrough: true }) res: Response) {
    const rebuild = await this.platform.rebuild(name);
    res.location(`/admin/v1/projections/${encodeURIComponent(name)}`);
    return { name, rebuild };
  }

  @Post(':name/reset')
  @HttpCode(200)
  @ApiOperation({ summary: 'Clear the tables and replay from the start or a checkpoint' })
  reset(@Param('name') name: string, @Body() body: unknown) {
    return this.platform.reset(name, parseResetTarget(body));
  }

  @Get(':name/dead-letters')
  @ApiOperation({ summary: 'Events the projection could not apply, in log order' })
  async deadLetters(
    @Param('name') name: string,
    @Query('after') after?: unknown,
    @Query('limit') limit?: unknown,
  ) {
    const letters = await this.platform.deadLetters(name, parsePage(after, limit));
    return { name, deadLetters: letters };
  }
}
