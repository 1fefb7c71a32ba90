import { once } from 'node:events';
import type { TransformOptions } from 'node:stream';
import { constants as zlib, createGzip, type ZlibOptions } from 'node:zlib';
import {
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  Inject,
  Logger,
  Post,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { WallClock } from '@geode/clock';
import { authenticatedPeer, PeerAuthGuard } from '@geode/peer-auth';
import { ProblemException } from '@geode/problem-details';
import {
  FEED_CONTENT_TYPE,
  feedRequestSchema,
  isMarker,
  type FrameSink,
  ReplicationFeed,
} from '@geode/replication';
import type { VersionVector } from '@geode/event-store';
import { WALL_CLOCK } from '../clock/wall-clock.provider';
import type { GeodeConfig } from '../config/geode-config';
import { GEODE_CONFIG } from '../config/geode-config.provider';
import { PeerAcknowledgements } from './peer-acknowledgements';
import { ReplicationLinks } from './replication-links';

/** Bytes of frames a feed may have queued for compression before it waits for the socket. */
const FEED_BUFFER_BYTES = 1024 * 1024;

/** Peer-only endpoints of replication (DESIGN.md §3, §6; wire format in ADR 0008). */
@ApiExcludeController()
@Controller('replication/v1')
export class ReplicationController {
  private readonly logger = new Logger('ReplicationFeed');

  constructor(
    @Inject(GEODE_CONFIG) private readonly config: GeodeConfig,
    @Inject(WALL_CLOCK) private readonly clock: WallClock,
    private readonly links: ReplicationLinks,
    private readonly acks: PeerAcknowledgements,
  ) {}

  /**
   * The feed: a long-lived NDJSON response, gzip-compressed and flushed per
   * frame, of every origin this geode holds after the caller's vector.
   */
  @Post('feed')
  @UseGuards(PeerAuthGuard)
  async feed(@Body() body: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    // Residency is decided for the authenticated caller, never for a region it claims.
    const receiver = authenticatedPeer(req).region;
    const vector = parseVector(body);
    this.acks.restart(receiver, vector, this.clock.nowMs());

    const feed = this.links.openFeed();
    if (!feed) {
      throw new ProblemException(
        503,
        'shutting-down',
        'this geode is shutting down; pull from another',
      );
    }
    const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    res.status(200);
    res.setHeader('content-type', FEED_CONTENT_TYPE);
    res.setHeader('cache-control', 'no-store');
    res.setHeader('x-accel-buffering', 'no'); // proxies must not hold frames back
    if (gzip) res.setHeader('content-encoding', 'gzip');
    // A feed holds its connection for as long as it lives; when it ends, so does the connection.
    res.setHeader('connection', 'close');
    res.flushHeaders();
    req.socket.setNoDelay(true);

    const end = () => feed.abort();
    res.on('close', end);
    // Room for a page of frames: a write waits for the socket only when that much is queued.
    const buffered: TransformOptions = {
      highWaterMark: FEED_BUFFER_BYTES,
      writableHighWaterMark: FEED_BUFFER_BYTES,
    };
    // Zlib streams take stream options too; their type leaves them out.
    const output = gzip ? createGzip({ level: 1, ...buffered } as ZlibOptions) : undefined;
    output?.pipe(res);
    // A socket that went away ends the feed; it must never surface as an unhandled 'error'.
    output?.on('error', end);
    res.on('error', end);
    const stream: NodeJS.WritableStream = output ?? res;
    const sink: FrameSink = {
      // The flush goes right after the frame, in order, without waiting for it: each wait is an
      // event-loop turn in the latency path. Memory stays bounded by waiting for drain instead.
      write: async (frame) => {
        const roomLeft = stream.write(frame);
        output?.flush(zlib.Z_SYNC_FLUSH);
        if (!roomLeft) await drained(stream, feed.signal);
      },
    };
    const metrics = this.links.metrics;
    try {
      await new ReplicationFeed(this.links.store, this.links.signal, {
        region: this.config.region,
        receiver,
        after: vector,
        heartbeatMs: this.config.replication.heartbeatMs,
        acknowledged: () => this.acks.of(receiver)?.vector ?? {},
        onRead: (ms) => metrics.feedRead.observe(ms / 1000),
        onSent: (entries, bytes, frame) => {
          metrics.eventsOut.inc({ peer: receiver }, entries);
          metrics.bytesOut.inc({ peer: receiver }, bytes);
          const now = this.clock.nowMs();
          for (const entry of frame) {
            if (entry.origin.region === this.config.region && !isMarker(entry))
              metrics.sendLag.observe(Math.max(0, now - entry.hlc.wallMs) / 1000);
          }
        },
      }).run(sink, feed.signal);
    } catch (error) {
      if (!feed.signal.aborted) {
        this.logger.warn(
          { peer: receiver, detail: (error as Error).message },
          'feed ended by an error',
        );
      }
    } finally {
      res.off('close', end);
      res.off('error', end);
      feed.abort();
      stream.end();
    }
  }

  /** A peer says what it now holds (sent by its puller after applying a batch). */
  @Post('ack')
  @HttpCode(204)
  @UseGuards(PeerAuthGuard)
  ack(@Body() body: unknown, @Req() req: Request): void {
    const peer = authenticatedPeer(req).region;
    this.acks.record(peer, parseVector(body), this.clock.nowMs());
  }

  /** Links, acknowledgements, this geode's vector and its lag per origin (no payloads: open to operators). */
  @Get('status')
  @Header('cache-control', 'no-store')
  async status() {
    const vector = await this.links.store.knowledge();
    this.links.lag.observeLocal(vector);
    return {
      region: this.config.region,
      vector,
      lag: this.links.lag.lag(),
      feedsServed: this.links.activeFeeds(),
      refill: this.links.refill.status(),
      peers: this.links.pullerStatuses.map((link) => ({
        ...link,
        acked: this.acks.of(link.peer),
      })),
    };
  }
}

function parseVector(body: unknown): VersionVector {
  const parsed = feedRequestSchema.safeParse(body);
  if (parsed.success) return parsed.data.vector;
  const issue = parsed.error.issues[0];
  const where = issue.path.length ? issue.path.join('.') : 'body';
  throw new ProblemException(400, 'validation', `${where}: ${issue.message}`, { field: where });
}

async function drained(stream: NodeJS.WritableStream, signal: AbortSignal): Promise<void> {
  try {
    await once(stream as NodeJS.EventEmitter, 'drain', { signal });
  } catch {
    // aborted: the feed loop sees it and stops
  }
}
