import { LatencyRecorder } from './latency-recorder';

export interface ConcurrentRunOptions {
  /** Writers running at once, each awaiting its own operation before starting the next. */
  writers: number;
  /** Stop starting operations once this many ms have passed; those in flight finish. */
  durationMs?: number;
  /** Stop once this many operations have been started, over all writers. */
  operations?: number;
  /**
   * One operation of writer `writer` (0-based), its `iteration`-th; resolves to
   * the number of items (events) it committed. Its duration is recorded.
   */
  operation: (writer: number, iteration: number) => Promise<number>;
  signal?: AbortSignal;
}

export interface ConcurrentRunResult {
  /** From the first operation started to the last one finished. */
  wallMs: number;
  operations: number;
  /** Sum of what the operations resolved to. */
  items: number;
  latency: LatencyRecorder;
}

/**
 * Runs `writers` concurrent loops of `operation` for a duration or a count.
 * The first failure stops every writer (after the operation in flight) and is
 * rethrown: a benchmark never carries on past an error it did not expect.
 */
export async function runConcurrently(options: ConcurrentRunOptions): Promise<ConcurrentRunResult> {
  if (options.durationMs === undefined && options.operations === undefined) {
    throw new Error('runConcurrently needs a duration or an operation count');
  }
  const latency = new LatencyRecorder();
  const started = performance.now();
  const deadline = options.durationMs === undefined ? Infinity : started + options.durationMs;
  const limit = options.operations ?? Infinity;
  let startedOperations = 0;
  let items = 0;
  let failure: { error: unknown } | undefined;

  const mayStart = () =>
    failure === undefined &&
    !options.signal?.aborted &&
    startedOperations < limit &&
    performance.now() < deadline;

  const writer = async (index: number) => {
    for (let iteration = 0; mayStart(); iteration++) {
      startedOperations++;
      const operationStarted = performance.now();
      let committed: number;
      try {
        committed = await options.operation(index, iteration);
      } catch (error) {
        failure ??= { error };
        return;
      }
      latency.record(performance.now() - operationStarted);
      // Added after the await: `items += await …` would add to a stale total.
      items += committed;
    }
  };

  await Promise.all(Array.from({ length: options.writers }, (_, index) => writer(index)));
  const wallMs = performance.now() - started;
  if (failure) throw failure.error;
  options.signal?.throwIfAborted();
  return { wallMs, operations: latency.count, items, latency };
}
