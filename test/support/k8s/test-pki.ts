import { execFile } from 'node:child_process';
import { generateKeyPair, randomBytes, randomInt } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Files and secrets one test API server needs, all inside one directory. */
export interface ApiServerPki {
  /** PEM of the CA that signed the serving certificate; goes into kubeconfigs. */
  readonly caCert: string;
  readonly caCertFile: string;
  readonly servingCertFile: string;
  readonly servingKeyFile: string;
  /** Public half, for `--service-account-key-file` (token verification). */
  readonly serviceAccountPublicKeyFile: string;
  /** Private half, for `--service-account-signing-key-file` (token issuing). */
  readonly serviceAccountPrivateKeyFile: string;
  /** CSV for `--token-auth-file`. */
  readonly tokenFile: string;
  /** Bearer token of a user in `system:masters`, which RBAC lets do anything. */
  readonly adminToken: string;
  /** Bearer token of a user with no roles, so RBAC denies it. */
  readonly limitedToken: string;
}

/** User names in the static token file; tests may bind roles to the limited one. */
export const TEST_USERS = {
  admin: 'flotilla-admin',
  limited: 'flotilla-limited',
} as const;

/**
 * Minimal openssl configs written next to the keys, so the result does not
 * depend on the machine's openssl.cnf (whose defaults differ across distros).
 */
const CA_CONFIG = `[req]
distinguished_name = dn
prompt = no
x509_extensions = v3_ca
[dn]
CN = flotilla-test-ca
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign,digitalSignature
subjectKeyIdentifier = hash
`;

const SERVING_CONFIG = `[req]
distinguished_name = dn
prompt = no
[dn]
CN = flotilla-test-apiserver
[v3_server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
authorityKeyIdentifier = keyid
`;

async function openssl(cwd: string, args: readonly string[]): Promise<void> {
  try {
    await execFileAsync('openssl', args, { cwd });
  } catch (error) {
    const err = error as NodeJS.ErrnoException & { stderr?: string };
    if (err.code === 'ENOENT') {
      throw new Error(
        'openssl is not installed; the Kubernetes test harness needs it to make serving certificates (apt-get install openssl)',
      );
    }
    throw new Error(`openssl ${args[0] ?? ''} failed: ${err.stderr ?? err.message}`);
  }
}

/**
 * Makes a fresh CA, a serving certificate for 127.0.0.1 signed by it, an EC
 * service-account key pair and a static token file, all inside `dir`.
 *
 * Each test cluster gets its own CA so a kubeconfig of one cluster cannot
 * accidentally talk to another.
 */
export async function generateApiServerPki(dir: string): Promise<ApiServerPki> {
  const caConfigFile = join(dir, 'ca.cnf');
  const servingConfigFile = join(dir, 'serving.cnf');
  await Promise.all([writeFile(caConfigFile, CA_CONFIG), writeFile(servingConfigFile, SERVING_CONFIG)]);

  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await openssl(dir, [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '2',
    '-config',
    caConfigFile,
  ]);
  await openssl(dir, [
    'req',
    '-new',
    ...ec,
    '-keyout',
    'serving.key',
    '-out',
    'serving.csr',
    '-config',
    servingConfigFile,
  ]);
  await openssl(dir, [
    'x509',
    '-req',
    '-in',
    'serving.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    // An explicit serial avoids openssl writing a ca.srl file next to the CA.
    '-set_serial',
    String(randomInt(1, 2 ** 47)),
    '-days',
    '2',
    '-extfile',
    servingConfigFile,
    '-extensions',
    'v3_server',
    '-out',
    'serving.crt',
  ]);
  // The CA key and CSR are only needed to sign; nothing should reuse them.
  await Promise.all([rm(join(dir, 'ca.key')), rm(join(dir, 'serving.csr'))]);

  const serviceAccountKeys = await promisify(generateKeyPair)('ec', {
    namedCurve: 'P-256',
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const serviceAccountPublicKeyFile = join(dir, 'sa.pub');
  const serviceAccountPrivateKeyFile = join(dir, 'sa.key');
  await writeFile(serviceAccountPublicKeyFile, serviceAccountKeys.publicKey);
  await writeFile(serviceAccountPrivateKeyFile, serviceAccountKeys.privateKey, { mode: 0o600 });

  const adminToken = randomBytes(24).toString('hex');
  const limitedToken = randomBytes(24).toString('hex');
  const tokenFile = join(dir, 'tokens.csv');
  // Format: token,user,uid,"group1,group2" — the limited user has no group
  // beyond the implicit system:authenticated, so RBAC grants it nothing.
  await writeFile(
    tokenFile,
    `${adminToken},${TEST_USERS.admin},${TEST_USERS.admin},"system:masters"\n` +
      `${limitedToken},${TEST_USERS.limited},${TEST_USERS.limited}\n`,
    { mode: 0o600 },
  );

  const caCertFile = join(dir, 'ca.crt');
  return {
    caCert: await readFile(caCertFile, 'utf8'),
    caCertFile,
    servingCertFile: join(dir, 'serving.crt'),
    servingKeyFile: join(dir, 'serving.key'),
    serviceAccountPublicKeyFile,
    serviceAccountPrivateKeyFile,
    tokenFile,
    adminToken,
    limitedToken,
  };
}
