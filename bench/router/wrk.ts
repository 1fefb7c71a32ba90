import { spawn } from 'node:child_process';

export interface WrkResult {
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** Answers that were not 2xx/3xx, and socket errors: any makes the figures meaningless. */
  failed: number;
}

/** One `wrk` run: one thread, `connections` keep-alive connections, for `seconds`. */
export async function runWrk(
  url: string,
  connections: number,
  seconds: number,
  signal: AbortSignal,
): Promise<WrkResult> {
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(
      'wrk',
      ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-H', 'CF-IPCountry: DE', url],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
    const abort = () => child.kill('SIGKILL');
    signal.addEventListener('abort', abort, { once: true });
    child.on('error', reject);
    child.on('exit', (code) => {
      signal.removeEventListener('abort', abort);
      if (code === 0) resolve(text);
      else reject(new Error(`wrk exited with ${code}: ${text.trim()}`));
    });
  });
  return parseWrk(output);
}

export function parseWrk(output: string): WrkResult {
  const figure = (pattern: RegExp, what: string) => {
    const found = pattern.exec(output);
    if (!found) throw new Error(`wrk output has no ${what}:\n${output}`);
    return found;
  };
  const [, rps] = figure(/Requests\/sec:\s+([\d.]+)/, 'Requests/sec');
  const [, requests] = figure(/(\d+) requests in/, 'request count');
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(output);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(
    output,
  );
  return {
    requestsPerSec: Number(rps),
    p50Ms: latencyMs(figure(/^\s+50%\s+([\d.]+)(us|ms|s)\s*$/m, 'p50')),
    p99Ms: latencyMs(figure(/^\s+99%\s+([\d.]+)(us|ms|s)\s*$/m, 'p99')),
    requests: Number(requests),
    failed:
      Number(non2xx?.[1] ?? 0) +
      (socketErrors ? socketErrors.slice(1).reduce((sum, value) => sum + Number(value), 0) : 0),
  };
}

function latencyMs([, value, unit]: RegExpExecArray): number {
  const number = Number(value);
  return unit === 'us' ? number / 1000 : unit === 's' ? number * 1000 : number;
}
