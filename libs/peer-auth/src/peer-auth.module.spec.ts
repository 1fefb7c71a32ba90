import { Controller, Inject, Module, Post, Req, UseGuards } from '@nestjs/common';
import type { Server } from 'node:http';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { systemWallClock } from '@geode/clock';
import { ConfiguredPeerClientAuth } from './configured-peer-client-auth';
import { authenticatedPeer, PeerAuthGuard } from './peer-auth.guard';
import { PeerAuthModule } from './peer-auth.module';
import { PEER_CLIENT_AUTH } from './peer-auth.tokens';

/** What a consumer such as the replication module declares on its side. */
const CONSUMER_IDENTITY = Symbol('CONSUMER_IDENTITY');
const CONSUMER_CLIENT_AUTH = Symbol('CONSUMER_CLIENT_AUTH');

@Controller('replication/v1')
class ConsumerController {
  constructor(
    @Inject(CONSUMER_IDENTITY) private readonly identity: { regionOf(request: unknown): string },
    @Inject(CONSUMER_CLIENT_AUTH) private readonly clientAuth: unknown,
  ) {}

  @Post('guarded')
  @UseGuards(PeerAuthGuard)
  guarded(@Req() req: unknown) {
    return { guard: authenticatedPeer(req).region, identity: this.identity.regionOf(req) };
  }

  @Post('in-handler')
  inHandler(@Req() req: unknown) {
    return {
      identity: this.identity.regionOf(req),
      clientAuth: this.clientAuth instanceof ConfiguredPeerClientAuth,
    };
  }
}

@Module({
  controllers: [ConsumerController],
  providers: [
    { provide: CONSUMER_IDENTITY, useExisting: PeerAuthGuard },
    { provide: CONSUMER_CLIENT_AUTH, useExisting: PEER_CLIENT_AUTH },
  ],
})
class ConsumerModule {}

describe('PeerAuthModule in an app', () => {
  it("guards another module's routes, and serves as its identity without spending a signature twice", async () => {
    const key = Buffer.alloc(32, 3);
    const moduleRef = await Test.createTestingModule({
      imports: [
        PeerAuthModule.forRoot({
          region: 'eu-west-1',
          config: { mode: 'hmac', peers: ['us-east-1'], keys: new Map([['us-east-1', [key]]]) },
        }),
        ConsumerModule,
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ rawBody: true, logger: false });
    await app.init();
    const server = app.getHttpServer() as Server;
    try {
      const caller = new ConfiguredPeerClientAuth(
        'us-east-1',
        { mode: 'hmac', peers: ['eu-west-1'], keys: new Map([['eu-west-1', [key]]]) },
        systemWallClock,
      );
      const post = (path: string) =>
        request(server)
          .post(path)
          .set(
            caller.sign({ peerRegion: 'eu-west-1', method: 'POST', path, body: Buffer.from('{}') }),
          )
          .set('content-type', 'application/json')
          .send('{}');
      const guarded = await post('/replication/v1/guarded');
      expect([guarded.status, guarded.body]).toEqual([
        201,
        { guard: 'us-east-1', identity: 'us-east-1' },
      ]);
      const inHandler = await post('/replication/v1/in-handler');
      expect([inHandler.status, inHandler.body]).toEqual([
        201,
        { identity: 'us-east-1', clientAuth: true },
      ]);
      const unsigned = await request(server).post('/replication/v1/in-handler').send({});
      expect(unsigned.status).toBe(401);
    } finally {
      await app.close();
    }
  });
});
