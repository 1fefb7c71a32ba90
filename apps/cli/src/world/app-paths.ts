import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CliError } from '../cli-error';

/** `dist/apps` of the build this CLI belongs to (this file is dist/apps/cli/src/world/app-paths.js). */
const DIST_APPS = resolve(__dirname, '..', '..', '..');
/** The repository (or image) root: dist's parent. */
export const PROJECT_ROOT = resolve(DIST_APPS, '..', '..');

export const GEODE_MAIN = join(DIST_APPS, 'geode', 'src', 'main.js');
export const ROUTER_MAIN = join(DIST_APPS, 'router', 'src', 'main.js');
export const DEV_CERTS_SCRIPT = join(PROJECT_ROOT, 'scripts', 'dev-certs.mjs');

export function assertBuilt(): void {
  for (const file of [GEODE_MAIN, ROUTER_MAIN])
    if (!existsSync(file)) throw new CliError(`${file} is missing: run "npm run build" first`);
}
