import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The compiled CLI (`npm test` builds it first). */
export const CLI_MAIN = join(__dirname, '..', '..', 'dist', 'apps', 'cli', 'src', 'main.js');

export interface WorldProcess {
  child: ChildProcess;
  routerUrl: string;
  controlUrl: string;
  output(): string;
  /** Ctrl-C, as a user would; resolves with the exit code. */
  interrupt(): Promise<number | null>;
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function assertBuilt(): void {
  if (!existsSync(CLI_MAIN)) throw new Error(`${CLI_MAIN} is missing: run "npm run build" first`);
}

/** `geode world <args>` on free ports; resolves once it printed its URLs. */
export async function startWorld(args: string[], timeoutMs = 90_000): Promise<WorldProcess> {
  assertBuilt();
  const child = spawn(
    process.execPath,
    [CLI_MAIN, 'world', '--router-port', '0', '--geode-port', '0', '--control-port', '0', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGINT');
      reject(new Error(`the world did not start within ${timeoutMs} ms\n${output}`));
    }, timeoutMs);
    const watch = () => {
      if (/control\s+http:\/\/\S+/.test(output)) {
        clearTimeout(timer);
        child.stdout.off('data', watch);
        resolve();
      }
    };
    child.stdout.on('data', watch);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the world exited (${code}) before it was ready\n${output}`));
    });
  });
  const url = (label: string) => new RegExp(`${label}\\s+(http://\\S+)`).exec(output)![1];
  return {
    child,
    routerUrl: url('router'),
    controlUrl: url('control'),
    output: () => output,
    interrupt: async () => {
      if (child.exitCode !== null) return child.exitCode;
      const exited = once(child, 'exit');
      child.kill('SIGINT');
      const [code] = (await exited) as [number | null];
      return code;
    },
  };
}

/** Runs `geode <args>` to its end. */
export async function runCli(args: string[], timeoutMs = 120_000): Promise<CliRun> {
  assertBuilt();
  const child = spawn(process.execPath, [CLI_MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}
