import { Body, Controller, HttpCode, Param, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { accountStreamId } from '@geode/ledger';
import { OperatorGuard } from '@geode/operator-auth';
import { ProblemException } from '@geode/problem-details';
import { requestIds } from '../http/request-scoped-ids';
import { HomeMoves } from './home-moves';
import { recordedOperator } from './recorded-operator';

const REGION = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const FIELDS = ['region', 'reason', 'operator'];

/**
 * `POST /v1/accounts/{id}/home-region`: an operator moves an account's home
 * (who merges its forks), e.g. while the home region is down. Sent to the
 * geode of the new home. An authenticated operator's act, recorded under the
 * name of the operator token (ADR 0014).
 */
@ApiTags('conflicts')
@Controller('v1/accounts')
export class HomeMovesController {
  constructor(private readonly moves: HomeMoves) {}

  @Post(':id/home-region')
  @HttpCode(201)
  @UseGuards(OperatorGuard)
  @ApiBearerAuth()
  @ApiOperation({
    summary:
      "Move an account's home region (an audited event; send it to the new home's geode; operator token required)",
  })
  async move(@Param('id') id: string, @Body() body: unknown, @Req() req: Request) {
    let streamId: string;
    try {
      streamId = accountStreamId(id);
    } catch {
      throw new ProblemException(400, 'validation', 'not an account id', { field: 'id' });
    }
    const input = readMoveBody(body, req);
    const moved = await this.moves.move({
      ...input,
      streamId,
      eventId: requestIds(req)('home-move'),
    });
    return { accountId: id, ...moved };
  }
}

function readMoveBody(
  body: unknown,
  req: unknown,
): { region: string; reason: string; operator: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new ProblemException(400, 'validation', 'the body must be a JSON object', {
      field: 'body',
    });
  const fields = body as Record<string, unknown>;
  const extra = Object.keys(fields).find((key) => !FIELDS.includes(key));
  if (extra !== undefined)
    throw new ProblemException(400, 'validation', `${extra} is not allowed`, { field: extra });
  const { region, reason, operator } = fields;
  if (typeof region !== 'string' || region.length > 63 || !REGION.test(region))
    throw new ProblemException(400, 'validation', 'region must be a region id', {
      field: 'region',
    });
  if (typeof reason !== 'string' || reason.trim() === '' || reason.length > 2000)
    throw new ProblemException(400, 'validation', 'reason must be 1–2000 characters', {
      field: 'reason',
    });
  return { region, reason: reason.trim(), operator: recordedOperator(req, operator) };
}
