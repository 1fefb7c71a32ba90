import { Body, Controller, HttpCode, Inject, Post, Req, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { ProblemException } from '@geode/problem-details';
import { z } from 'zod';
import { authenticatedPeer, PeerAuthGuard } from './peer-auth.guard';
import { PEER_AUTH_REGION } from './peer-auth.tokens';
import { PEER_REGION_PATTERN } from './peer-region';

const handshakeSchema = z
  .object({ region: z.string().max(63).regex(PEER_REGION_PATTERN) })
  .strict();

/**
 * `POST /replication/v1/handshake` `{ region }`: a peer checks that this geode
 * accepts its credentials before it opens a feed, and learns which region
 * answered. The smallest guarded, body-carrying route; tests use it too.
 */
@ApiExcludeController()
@Controller('replication/v1/handshake')
@UseGuards(PeerAuthGuard)
export class PeerHandshakeController {
  constructor(@Inject(PEER_AUTH_REGION) private readonly ownRegion: string) {}

  @Post()
  @HttpCode(200)
  handshake(@Req() request: unknown, @Body() body: unknown): { peer: string; region: string } {
    const parsed = handshakeSchema.safeParse(body);
    if (!parsed.success)
      throw new ProblemException(
        400,
        'validation',
        'body must be { "region": "<your region id>" }',
      );
    const peer = authenticatedPeer(request).region;
    if (parsed.data.region !== peer)
      throw new ProblemException(
        403,
        'peer-identity-mismatch',
        'body names another region than the authenticated one',
      );
    return { peer, region: this.ownRegion };
  }
}
