import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KubeConfigError, loadKubeConfig } from './kubeconfig.js';

const dir = mkdtempSync(join(tmpdir(), 'flotilla-kubeconfig-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const b64 = (s: string) => Buffer.from(s).toString('base64');

const config = (cluster: string, user: string) => `apiVersion: v1
kind: Config
current-context: main
contexts:
  - name: other
    context: { cluster: nope, user: nope }
  - name: main
    context: { cluster: c1, user: u1 }
clusters:
  - name: c1
    cluster:
${cluster}
users:
  - name: u1
    user:
${user}
`;

describe('loadKubeConfig', () => {
  it('reads inline CA, client certificate and token of the current context', () => {
    const kc = loadKubeConfig({
      kubeconfig: config(
        `      server: https://127.0.0.1:6443\n      certificate-authority-data: ${b64('CA')}`,
        `      token: abc\n      client-certificate-data: ${b64('CERT')}\n      client-key-data: ${b64('KEY')}`,
      ),
    });
    expect(kc.server.href).toBe('https://127.0.0.1:6443/');
    const o = kc.httpsOptions();
    expect(String(o.ca)).toBe('CA');
    expect(String(o.cert)).toBe('CERT');
    expect((o.key as Buffer).toString()).toBe('KEY');
    expect(o.rejectUnauthorized).toBe(true);
    expect(o.headers).toEqual({ authorization: 'Bearer abc' });
  });

  it('resolves files relative to the kubeconfig and re-reads token files', () => {
    writeFileSync(join(dir, 'ca.crt'), 'FILE-CA');
    writeFileSync(join(dir, 'token'), 'one\n');
    const path = join(dir, 'config');
    writeFileSync(
      path,
      config(
        '      server: https://k8s.example.com\n      certificate-authority: ca.crt',
        '      tokenFile: token',
      ),
    );
    const kc = loadKubeConfig({ kubeconfigPath: path });
    expect(String(kc.httpsOptions().ca)).toBe('FILE-CA');
    expect(kc.httpsOptions().headers).toEqual({ authorization: 'Bearer one' });
    writeFileSync(join(dir, 'token'), 'two\n');
    expect(kc.httpsOptions().headers).toEqual({ authorization: 'Bearer two' });
  });

  it('supports basic auth and insecure-skip-tls-verify', () => {
    const kc = loadKubeConfig({
      kubeconfig: config(
        '      server: https://h:1\n      insecure-skip-tls-verify: true',
        '      username: u\n      password: p',
      ),
    });
    expect(kc.httpsOptions()).toMatchObject({
      rejectUnauthorized: false,
      headers: { authorization: `Basic ${b64('u:p')}` },
    });
  });

  it('refuses exec plugins and missing contexts with clear messages', () => {
    expect(() =>
      loadKubeConfig({ kubeconfig: config('      server: https://h:1', '      exec: { command: aws }') }),
    ).toThrow(/exec or auth-provider plugin/);
    expect(() => loadKubeConfig({ kubeconfig: 'current-context: x\n' })).toThrow(KubeConfigError);
    expect(() => loadKubeConfig({ kubeconfig: ': : :\n  - [' })).toThrow(/not valid YAML/);
  });

  it('reads in-cluster credentials from the service account, following token rotation', () => {
    const sa = join(dir, 'sa');
    mkdirSync(sa);
    writeFileSync(join(sa, 'ca.crt'), 'SA-CA');
    writeFileSync(join(sa, 'token'), 't1');
    const kc = loadKubeConfig(
      { inCluster: true },
      { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' },
      sa,
    );
    expect(kc.server.href).toBe('https://[fd00::1]/');
    expect(kc.httpsOptions().headers).toEqual({ authorization: 'Bearer t1' });
    writeFileSync(join(sa, 'token'), 't2');
    expect(kc.httpsOptions().headers).toEqual({ authorization: 'Bearer t2' });
    expect(() => loadKubeConfig({ inCluster: true }, {}, sa)).toThrow(/not running in a cluster/);
  });
});
