import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** `scripts/dev-certs.mjs`, the script `npm run certs` runs. */
export const DEV_CERTS_SCRIPT = resolve(__dirname, '../../../../scripts/dev-certs.mjs');

export interface DevCertificates {
  dir: string;
  caPath: string;
  certPath(region: string): string;
  keyPath(region: string): string;
  /** PEM text of the CA, and of a region's certificate and key. */
  ca: string;
  cert(region: string): string;
  key(region: string): string;
  remove(): void;
}

/** Runs the dev CA script into a fresh temporary directory (one CA per call). */
export function makeDevCertificates(regions: readonly string[]): DevCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'geode-test-certs-'));
  execFileSync(process.execPath, [DEV_CERTS_SCRIPT, '--regions', regions.join(','), '--out', dir], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const certPath = (region: string) => join(dir, `${region}.crt`);
  const keyPath = (region: string) => join(dir, `${region}.key`);
  return {
    dir,
    caPath: join(dir, 'ca.crt'),
    certPath,
    keyPath,
    ca: readFileSync(join(dir, 'ca.crt'), 'utf8'),
    cert: (region) => readFileSync(certPath(region), 'utf8'),
    key: (region) => readFileSync(keyPath(region), 'utf8'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
