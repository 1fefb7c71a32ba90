import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { IdempotencyKeyRepository } from './idempotency-key-repository';
import { IDEMPOTENCY_OPTIONS, type ResolvedIdempotencyOptions } from './idempotency-options';

/**
 * Deletes expired idempotency keys now and then. Correctness does not depend
 * on it (a claim treats an expired key as free); it only keeps the table small.
 */
@Injectable()
export class IdempotencyKeyExpiry implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('IdempotencyKeyExpiry');
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly keys: IdempotencyKeyRepository,
    @Inject(IDEMPOTENCY_OPTIONS) private readonly options: ResolvedIdempotencyOptions,
  ) {}

  onModuleInit(): void {
    // unref: the sweep never keeps a process alive that has nothing else to do.
    this.timer = setInterval(() => void this.sweep(), this.options.sweepIntervalMs).unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    // The pool closes after this hook; let a sweep under way finish first.
    await this.running;
  }

  /** One sweep; a sweep still running makes this a no-op. */
  sweep(): Promise<void> {
    this.running ??= this.keys
      .deleteExpired()
      .then((deleted) => {
        if (deleted) this.logger.debug({ deleted }, 'deleted expired idempotency keys');
      })
      .catch((error: unknown) =>
        this.logger.warn({ err: error }, 'could not delete expired idempotency keys'),
      )
      .finally(() => (this.running = undefined));
    return this.running;
  }
}
