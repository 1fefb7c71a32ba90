import { Controller, Get, Header, Inject, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { EVENT_STORE, type EventStore } from '@geode/event-store';
import { OperatorGuard } from '@geode/operator-auth';
import type { GeodeConfig } from '../config/geode-config';
import { GEODE_CONFIG } from '../config/geode-config.provider';
import { parseOrigin, parseRecentLimit } from './audit-requests';

/**
 * Operators' audit view (DESIGN.md §6 `/admin/v1/…`): the hash chain of every
 * origin log this geode holds, verified end to end, and the latest events per
 * origin (what the console shows flowing). For authenticated operators only,
 * like the rest of `/admin` (ADR 0014).
 */
@ApiTags('admin')
@ApiBearerAuth()
@UseGuards(OperatorGuard)
@Controller('admin/v1')
export class AuditAdminController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(GEODE_CONFIG) private readonly config: GeodeConfig,
  ) {}

  @Get('audit/chains')
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'Verify the hash chain of every origin log held here (or ?origin=)' })
  async chains(@Query('origin') origin?: unknown) {
    const only = parseOrigin(origin);
    const held = await this.store.knowledge();
    const origins = only === undefined ? Object.keys(held).sort() : [only];
    const chains = [];
    for (const name of origins) {
      const verification = await this.store.verifyChain(name);
      chains.push({ ...verification, held: held[name] ?? 0 });
    }
    return {
      region: this.config.region,
      verified: chains.every((chain) => chain.firstBroken === null),
      chains,
    };
  }

  @Get('events/recent')
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'The latest stamped events of every origin held here, newest first' })
  async recent(@Query('limit') limit?: unknown) {
    const count = parseRecentLimit(limit);
    const held = await this.store.knowledge();
    const events = [];
    for (const [origin, seq] of Object.entries(held)) {
      const tail = await this.store.readOriginLog(origin, {
        afterSeq: Math.max(0, seq - count),
        limit: count,
        receiver: null,
      });
      for (const entry of tail)
        events.push(
          'redacted' in entry
            ? {
                eventId: entry.eventId,
                streamId: entry.streamId,
                origin: entry.origin,
                redacted: true,
              }
            : {
                eventId: entry.eventId,
                streamId: entry.streamId,
                type: entry.type,
                origin: entry.origin,
                dot: entry.dot,
                hlc: entry.hlc,
                redacted: false,
              },
        );
    }
    events.sort(
      (a, b) =>
        (b.hlc?.wallMs ?? 0) - (a.hlc?.wallMs ?? 0) ||
        (b.hlc?.logical ?? 0) - (a.hlc?.logical ?? 0),
    );
    return { region: this.config.region, events: events.slice(0, count) };
  }
}
