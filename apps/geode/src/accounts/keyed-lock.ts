/**
 * Runs work for the same key one at a time in this process. Commands on one
 * account would otherwise race to append at the same revision and all but one
 * retry; serialising them here costs nothing and leaves the store's optimistic
 * concurrency for races between processes.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(keys: readonly string[], work: () => Promise<T>): Promise<T> {
    // Several keys are taken in one order, so two callers never wait on each other in a cycle.
    const ordered = [...new Set(keys)].sort();
    const releases: (() => void)[] = [];
    for (const key of ordered) releases.push(await this.acquire(key));
    try {
      return await work();
    } finally {
      releases.reverse().forEach((release) => release());
    }
  }

  private async acquire(key: string): Promise<() => void> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const current = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => current);
    this.tails.set(key, tail);
    await previous;
    return () => {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
  }
}
