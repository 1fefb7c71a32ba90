#!/usr/bin/env node
// Development certificates for mutual TLS between geodes (ADR 0009), made with
// the openssl command line tool. Not for production: the CA key sits beside
// the certificates it signs.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const USAGE = `Usage: npm run certs -- --regions eu-west-1,us-east-1 [--out data/certs] [--days 30] [--force]

Makes a development CA (ca.crt, ca.key) and, per region, a certificate and key
(<region>.crt, <region>.key) usable by the geode both as HTTPS server and as
client towards its peers: SAN URI geode://region/<region> (its identity), DNS
localhost, IP 127.0.0.1 and ::1. Then run a geode with
  GEODE_TLS_CA=<out>/ca.crt GEODE_TLS_CERT=<out>/<region>.crt GEODE_TLS_KEY=<out>/<region>.key

  --regions   comma-separated region ids (required)
  --out       output directory (default data/certs)
  --days      validity in days (default 30)
  --force     overwrite files that already exist (refused otherwise)
  --help      this text`;

const REGION = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

function fail(message) {
  process.stderr.write(`certs: ${message}\n`);
  process.exit(1);
}

function parseArguments(argv) {
  const options = { out: 'data/certs', days: 30, force: false, regions: undefined };
  for (let i = 0; i < argv.length; i += 1) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => inline ?? argv[++i] ?? fail(`${flag} needs a value`);
    switch (flag) {
      case '--help':
      case '-h':
        process.stdout.write(`${USAGE}\n`);
        process.exit(0);
        break;
      case '--regions':
        options.regions = value()
          .split(',')
          .map((region) => region.trim())
          .filter(Boolean);
        break;
      case '--out':
        options.out = value();
        break;
      case '--days':
        options.days = Number(value());
        break;
      case '--force':
        options.force = true;
        break;
      default:
        fail(`unknown argument ${JSON.stringify(argv[i])} (see --help)`);
    }
  }
  if (!options.regions?.length) fail('--regions is required, e.g. --regions eu-west-1,us-east-1');
  const bad = options.regions.find((region) => !REGION.test(region) || region.length > 63);
  if (bad) fail(`--regions: ${JSON.stringify(bad)} is not a region id such as eu-west-1`);
  if (!Number.isInteger(options.days) || options.days < 1 || options.days > 825)
    fail('--days must be a whole number from 1 to 825');
  return options;
}

function openssl(args) {
  try {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    if (error.code === 'ENOENT') fail('the openssl command is not installed');
    fail(`openssl ${args[0]} failed: ${String(error.stderr ?? error.message).trim()}`);
  }
}

const options = parseArguments(process.argv.slice(2));
const files = ['ca.crt', 'ca.key', ...options.regions.flatMap((r) => [`${r}.crt`, `${r}.key`])].map(
  (name) => join(options.out, name),
);
const existing = files.filter((file) => existsSync(file));
if (existing.length && !options.force)
  fail(`refusing to overwrite ${existing.join(', ')} (pass --force to replace them)`);

mkdirSync(options.out, { recursive: true });
const work = mkdtempSync(join(tmpdir(), 'geode-certs-'));
try {
  const caKey = join(options.out, 'ca.key');
  const caCert = join(options.out, 'ca.crt');
  // P-256 keys: fast to make, and every TLS stack speaks them.
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', caKey]);
  openssl([
    'req',
    '-x509',
    '-new',
    '-key',
    caKey,
    '-out',
    caCert,
    '-days',
    String(options.days + 1),
    '-subj',
    '/O=Geode development/CN=Geode development CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE,pathlen:0',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  for (const region of options.regions) {
    const key = join(options.out, `${region}.key`);
    const request = join(work, `${region}.csr`);
    const extensions = join(work, `${region}.ext`);
    openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]);
    openssl([
      'req',
      '-new',
      '-key',
      key,
      '-out',
      request,
      '-subj',
      `/O=Geode development/CN=geode ${region}`,
    ]);
    writeFileSync(
      extensions,
      [
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature',
        'extendedKeyUsage=serverAuth,clientAuth',
        `subjectAltName=URI:geode://region/${region},DNS:localhost,IP:127.0.0.1,IP:::1`,
      ].join('\n'),
    );
    openssl([
      'x509',
      '-req',
      '-in',
      request,
      '-CA',
      caCert,
      '-CAkey',
      caKey,
      '-set_serial',
      `0x${Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('hex')}`,
      '-days',
      String(options.days),
      '-sha256',
      '-extfile',
      extensions,
      '-out',
      join(options.out, `${region}.crt`),
    ]);
  }
  for (const file of files.filter((name) => name.endsWith('.key'))) chmodSync(file, 0o600);
} finally {
  rmSync(work, { recursive: true, force: true });
}
process.stdout.write(
  `wrote a development CA and certificates for ${options.regions.join(', ')} to ${options.out}\n`,
);
