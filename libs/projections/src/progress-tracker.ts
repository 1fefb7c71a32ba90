import { EventEmitter } from 'node:events';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import type { LogCheckpoint } from '@geode/event-store';
import { compareCheckpoints } from './log-order';
import type { Projection, ProjectionProgress } from './projection';
import { ProjectionError } from './projection-errors';
import { nothingToApplyUpTo, readProjection } from './projection-repository';

/** The channel batches notify at commit: `applied|<name>|<txId>|<position>`, and more. */
export const PROGRESS_CHANNEL = 'geode_projection';

export function appliedMessage(name: string, checkpoint: LogCheckpoint): string {
  return `applied|${name}|${checkpoint.txId}|${checkpoint.position}`;
}
export function movedMessage(name: string, checkpoint: LogCheckpoint): string {
  return `moved|${name}|${checkpoint.txId}|${checkpoint.position}`;
}
export const rebuildRequestedMessage = (name: string) => `rebuild|${name}`;

const RECHECK_MS = 1_000;
const RECONNECT_MAX_MS = 5_000;

/**
 * Knows how far each projection has applied, from the notifications its batches send at
 * commit (whichever process runs them), and wakes the waiters of `waitUntilApplied`.
 */
export class ProgressTracker implements ProjectionProgress {
  private readonly known = new Map<string, LogCheckpoint>();
  private readonly wakes = new EventEmitter();
  private client?: Client;
  private closed = false;
  private reconnectDelay = 100;

  constructor(
    private readonly url: string,
    private readonly dataSource: DataSource,
    private readonly projections: ReadonlyMap<string, Projection>,
    private readonly onRebuildRequested: (name: string) => void,
  ) {
    this.wakes.setMaxListeners(0);
  }

  async start(): Promise<void> {
    const client = new Client({
      connectionString: this.url,
      application_name: 'geode-projections',
    });
    client.on('notification', (message) => this.onMessage(message.payload ?? ''));
    client.on('error', () => this.reconnect(client));
    client.on('end', () => this.reconnect(client));
    await client.connect();
    await client.query(`LISTEN ${PROGRESS_CHANNEL}`);
    this.client = client;
    this.reconnectDelay = 100;
    // Whatever committed while we were not listening: read again on the next wait.
    this.known.clear();
    this.wakes.emit('wake');
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wakes.emit('wake');
    await this.client?.end().catch(() => undefined);
  }

  /** A batch of this process committed: no need to wait for the notification's round trip. */
  applied(name: string, checkpoint: LogCheckpoint): void {
    const known = this.known.get(name);
    if (!known || compareCheckpoints(checkpoint, known) > 0) this.known.set(name, checkpoint);
    this.wakes.emit(name);
  }

  /** A reset or a swap moved the checkpoint, maybe backwards. */
  moved(name: string, checkpoint: LogCheckpoint): void {
    this.known.set(name, checkpoint);
    this.wakes.emit(name);
  }

  async checkpoint(name: string): Promise<LogCheckpoint> {
    this.projectionNamed(name);
    const row = await readProjection(this.dataSource, name);
    if (!row) throw new ProjectionError('unknown-projection', `no projection named "${name}"`);
    // Exact, not the max: after a reset the checkpoint may have gone back.
    this.moved(name, row.checkpoint);
    return row.checkpoint;
  }

  async waitUntilApplied(name: string, target: LogCheckpoint, timeoutMs: number): Promise<boolean> {
    const projection = this.projectionNamed(name);
    const deadline = Date.now() + Math.max(0, timeoutMs);
    let lastLook = 0;
    for (;;) {
      const known = this.known.get(name);
      if (known && compareCheckpoints(known, target) >= 0) return true;
      if (Date.now() - lastLook >= RECHECK_MS || !known) {
        // From the database: the checkpoint, and whether the target needs nothing more
        // (it is not an event this projection handles and nothing it handles precedes it).
        lastLook = Date.now();
        const current = await this.checkpoint(name);
        if (compareCheckpoints(current, target) >= 0) return true;
        if (await nothingToApplyUpTo(this.dataSource, projection, current, target)) return true;
      }
      const left = deadline - Date.now();
      if (left <= 0 || this.closed) return false;
      await this.nextWake(name, Math.min(left, RECHECK_MS));
    }
  }

  private projectionNamed(name: string): Projection {
    const projection = this.projections.get(name);
    if (!projection)
      throw new ProjectionError('unknown-projection', `no projection named "${name}"`);
    return projection;
  }

  private nextWake(name: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakes.off(name, done);
        this.wakes.off('wake', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.wakes.once(name, done);
      this.wakes.once('wake', done);
    });
  }

  private onMessage(payload: string): void {
    const [kind, name, txId, position] = payload.split('|');
    if (!name || !this.projections.has(name)) return;
    if (kind === 'rebuild') return this.onRebuildRequested(name);
    if (!/^\d+$/.test(txId ?? '') || !/^\d+$/.test(position ?? '')) return;
    const checkpoint = { txId, position: Number(position) };
    if (kind === 'applied') this.applied(name, checkpoint);
    else if (kind === 'moved') this.moved(name, checkpoint);
  }

  private reconnect(failed: Client): void {
    if (this.closed || this.client !== failed) return;
    this.client = undefined;
    void failed.end().catch(() => undefined);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const delay = this.reconnectDelay;
    this.reconnectDelay = Math.min(this.reconnectDelay * 2, RECONNECT_MAX_MS);
    setTimeout(() => {
      if (!this.closed) this.start().catch(() => this.scheduleReconnect());
    }, delay);
  }
}
