#!/usr/bin/env node
import { terminalOutput } from './cli-output';
import { runCli } from './command-table';
import { COMMANDS } from './commands';

/** A second signal this soon after the first is the same keypress seen twice (npm forwards it too). */
const SAME_INTERRUPT_MS = 1_500;

/**
 * Resolves on the first Ctrl-C, SIGTERM or SIGHUP. A later one exits at once
 * (the world's exit hook still asks every app to stop on its own).
 */
function interruption(): Promise<void> {
  return new Promise((resolve) => {
    let firstAt: number | undefined;
    const onSignal = () => {
      if (firstAt === undefined) {
        firstAt = Date.now();
        resolve();
      } else if (Date.now() - firstAt > SAME_INTERRUPT_MS) {
        process.exit(130);
      }
    };
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
  });
}

runCli(process.argv.slice(2), COMMANDS, {
  out: (json) => terminalOutput(json),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  interrupted: interruption(),
}).then(
  (code) => {
    process.exitCode = code;
    // Pools, timers and signal handlers must not keep a finished command alive.
    setImmediate(() => process.exit(code));
  },
  (error: unknown) => {
    process.stderr.write(`geode: unexpected error\n${(error as Error)?.stack ?? String(error)}\n`);
    process.exit(1);
  },
);
