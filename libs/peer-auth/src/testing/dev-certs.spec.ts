import { execFileSync, spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DEV_CERTS_SCRIPT, DevCertificates, makeDevCertificates } from './dev-certs';

const run = (...args: string[]) =>
  spawnSync(process.execPath, [DEV_CERTS_SCRIPT, ...args], { encoding: 'utf8' });

describe('the dev CA script (npm run certs)', () => {
  let certs: DevCertificates;
  beforeAll(() => {
    certs = makeDevCertificates(['eu-west-1', 'us-east-1']);
  });
  afterAll(() => certs?.remove());

  it('makes per-region certificates for server and client use, naming the region, issued by the CA', () => {
    const ca = new X509Certificate(certs.ca);
    const cert = new X509Certificate(certs.cert('eu-west-1'));
    expect(cert.checkIssued(ca) && cert.verify(ca.publicKey)).toBe(true);
    expect(cert.subjectAltName).toBe(
      'URI:geode://region/eu-west-1, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1',
    );
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']);
    expect(ca.ca).toBe(true);
    expect(cert.ca).toBe(false);
    expect(statSync(certs.keyPath('eu-west-1')).mode & 0o777).toBe(0o600);
  });

  it('refuses to overwrite without --force, and overwrites with it', () => {
    const before = readFileSync(join(certs.dir, 'ca.crt'), 'utf8');
    const refused = run('--regions', 'eu-west-1', '--out', certs.dir);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(
      /^certs: refusing to overwrite .*ca\.crt.*\(pass --force to replace them\)\n$/,
    );
    expect(readFileSync(join(certs.dir, 'ca.crt'), 'utf8')).toBe(before);
    execFileSync(process.execPath, [
      DEV_CERTS_SCRIPT,
      '--regions',
      'eu-west-1',
      '--out',
      certs.dir,
      '--force',
    ]);
    expect(readFileSync(join(certs.dir, 'ca.crt'), 'utf8')).not.toBe(before);
  });

  it('prints its usage with --help, and refuses bad arguments with one line', () => {
    const help = run('--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: npm run certs -- --regions/);
    expect(run().stderr).toBe('certs: --regions is required, e.g. --regions eu-west-1,us-east-1\n');
    expect(run('--regions', 'EU').stderr).toMatch(/is not a region id/);
    expect(run('--regions', 'a', '--bogus').status).toBe(1);
  });
});
