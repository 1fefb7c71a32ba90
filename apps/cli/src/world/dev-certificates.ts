import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CliError } from '../cli-error';
import { DEV_CERTS_SCRIPT } from './app-paths';

const execFileAsync = promisify(execFile);

export interface RegionCertificate {
  cert: string;
  key: string;
}

export interface DevCertificates {
  ca: string;
  regions: Map<string, RegionCertificate>;
}

/**
 * The world's development CA and one certificate per region (ADR 0009's
 * `npm run certs`), made on first run and again whenever a region is missing.
 */
export async function ensureDevCertificates(
  dir: string,
  regions: string[],
): Promise<DevCertificates> {
  const paths: DevCertificates = {
    ca: join(dir, 'ca.crt'),
    regions: new Map(
      regions.map((region) => [
        region,
        { cert: join(dir, `${region}.crt`), key: join(dir, `${region}.key`) },
      ]),
    ),
  };
  const complete =
    existsSync(paths.ca) &&
    [...paths.regions.values()].every(({ cert, key }) => existsSync(cert) && existsSync(key));
  if (complete) return paths;
  try {
    await execFileAsync(process.execPath, [
      DEV_CERTS_SCRIPT,
      '--regions',
      regions.join(','),
      '--out',
      dir,
      '--force',
    ]);
  } catch (error) {
    const stderr = String((error as { stderr?: string }).stderr ?? '').trim();
    throw new CliError(
      `cannot make development certificates: ${stderr || (error as Error).message}`,
      1,
      {
        cause: error,
      },
    );
  }
  return paths;
}
