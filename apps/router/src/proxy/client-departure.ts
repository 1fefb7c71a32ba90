import type { ServerResponse } from 'node:http';

/**
 * Whether the client went away before its answer was finished, and who to
 * tell: the attempt in flight (one at a time). A flag and one callback
 * instead of an AbortController per request: the proxy path needs a signal
 * only for the rare session wait, and EventTarget listeners are among the
 * dearer things a request did (ADR 0011, benchmark).
 */
export class ClientDeparture {
  private left = false;
  private listener: (() => void) | undefined;
  private controller: AbortController | undefined;

  constructor(res: ServerResponse) {
    res.once('close', () => {
      if (res.writableFinished) return;
      this.left = true;
      this.controller?.abort();
      this.listener?.();
    });
  }

  get gone(): boolean {
    return this.left;
  }

  /** `listener` is called if the client leaves while it is set; `undefined` unsets it. */
  notify(listener: (() => void) | undefined): void {
    this.listener = listener;
  }

  /** A signal aborted when the client leaves, made only for the waits that take one. */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.left) this.controller.abort();
    }
    return this.controller.signal;
  }
}
