import { describe, expect, it } from 'vitest';
import { AGENT_OPTIONS, AGENT_USAGE, loadAgentConfig } from './agent-config.js';

const base = ['--kubeconfig', 'kc.yaml', '--state-dir', 'state'];

describe('loadAgentConfig: the hub URL', () => {
  it.each([
    'https://flotilla.example.com',
    'http://127.0.0.1:8080',
    'http://localhost:8080',
    'http://[::1]:8080',
  ])('accepts %s', (url) => {
    const c = loadAgentConfig(['--hub-url', url, ...base], {});
    expect(c.hubUrl).toBe(url);
    expect(c.allowInsecureHub).toBe(false);
  });

  it.each(['http://flotilla.example.com', 'http://10.0.0.5:8080', 'http://flotilla-hub.flotilla.svc'])(
    'refuses plain http to %s, saying what to do',
    (url) => {
      expect(() => loadAgentConfig(['--hub-url', url, ...base], {})).toThrow(
        /plain http to a host other than loopback.*https:\/\/.*--allow-insecure-hub \(FLOTILLA_ALLOW_INSECURE_HUB=true\)/,
      );
      expect(() => loadAgentConfig(['--hub-url', url, ...base], { FLOTILLA_HUB_URL: url })).toThrow();
    },
  );

  it('accepts it when told to, by flag or environment', () => {
    const url = 'http://flotilla.example.com';
    expect(loadAgentConfig(['--hub-url', url, '--allow-insecure-hub', ...base], {}).allowInsecureHub).toBe(
      true,
    );
    expect(
      loadAgentConfig(base, { FLOTILLA_HUB_URL: url, FLOTILLA_ALLOW_INSECURE_HUB: 'true' }).allowInsecureHub,
    ).toBe(true);
    expect(() =>
      loadAgentConfig(base, { FLOTILLA_HUB_URL: url, FLOTILLA_ALLOW_INSECURE_HUB: 'false' }),
    ).toThrow(/--allow-insecure-hub/);
  });
});

describe('flotilla-agent --help', () => {
  it('lists every flag with the environment variable it also reads', () => {
    for (const [flag, { env }] of Object.entries(AGENT_OPTIONS)) {
      const line = AGENT_USAGE.split('\n').find((l) => l.trimStart().startsWith(`--${flag}`));
      expect(line, flag).toBeDefined();
      expect(line, flag).toContain(env);
    }
    expect(AGENT_USAGE).toMatch(/--version/);
  });

  it('an unknown flag is one sentence pointing at --help', () => {
    expect(() =>
      loadAgentConfig(['--hub-url', 'https://h.example.com', '--metric-port', '1', ...base], {}),
    ).toThrow(/^Unknown option '--metric-port' \(flotilla-agent --help lists the options\)$/);
  });
});

describe('loadAgentConfig: the guardrail', () => {
  const args = ['--hub-url', 'https://h.example.com', ...base];

  it('lets everything through when none of its options is given', () => {
    expect(loadAgentConfig(args, {}).guardrail).toEqual({
      namespaces: ['*'],
      allowedKinds: [{ group: '*', kind: '*' }],
      deniedKinds: [],
      allowSecrets: true,
    });
  });

  it('takes namespaces, cluster scope and denied kinds from flags or the environment', () => {
    const byFlags = loadAgentConfig(
      [
        ...args,
        '--allowed-namespaces',
        'team-a, team-a-*',
        '--denied-kinds',
        'Secret,rbac.authorization.k8s.io/*',
      ],
      {},
    ).guardrail;
    expect(byFlags).toEqual({
      namespaces: ['team-a', 'team-a-*'],
      allowedKinds: [],
      deniedKinds: [
        { group: '', kind: 'Secret' },
        { group: 'rbac.authorization.k8s.io', kind: '*' },
      ],
      allowSecrets: true,
    });
    const byEnv = loadAgentConfig(args, {
      FLOTILLA_ALLOWED_NAMESPACES: 'team-a',
      FLOTILLA_ALLOW_CLUSTER_SCOPED: 'true',
    }).guardrail;
    expect(byEnv.allowedKinds).toEqual([{ group: '*', kind: '*' }]);
    expect(loadAgentConfig([...args, '--no-allow-cluster-scoped'], {}).guardrail.allowedKinds).toEqual([]);
    expect(
      loadAgentConfig([...args, '--allow-cluster-scoped', '--allowed-namespaces', 'x'], {}).guardrail
        .allowedKinds,
    ).toEqual([{ group: '*', kind: '*' }]);
  });

  it.each<[string[], Record<string, string>, RegExp]>([
    [['--allowed-namespaces', ''], {}, /--allowed-namespaces is empty/],
    [['--allowed-namespaces', 'Team A'], {}, /"Team A" is not a namespace name or glob/],
    [
      ['--denied-kinds', 'apps/v1/Deployment'],
      {},
      /--denied-kinds: "apps\/v1\/Deployment" is not a group\/Kind/,
    ],
    [[], { FLOTILLA_ALLOW_CLUSTER_SCOPED: 'yes' }, /--allow-cluster-scoped must be true or false/],
  ])('refuses %j %j', (extra, env, message) => {
    expect(() => loadAgentConfig([...args, ...extra], env)).toThrow(message);
  });
});

describe('loadAgentConfig: the SOPS age key Secret', () => {
  const hub = ['--hub-url', 'https://hub.example.com', ...base];
  it('defaults to flotilla-sops-age in the agent namespace', () => {
    expect(loadAgentConfig([...hub, '--namespace', 'agents'], {}).sopsKeySecret).toEqual({
      namespace: 'agents',
      name: 'flotilla-sops-age',
    });
  });

  it('takes NAME or NAMESPACE/NAME from the flag or the environment', () => {
    expect(loadAgentConfig([...hub, '--sops-age-key-secret', 'age-key'], {}).sopsKeySecret).toEqual({
      namespace: 'flotilla-system',
      name: 'age-key',
    });
    expect(loadAgentConfig(hub, { FLOTILLA_SOPS_AGE_KEY_SECRET: 'keys/age-key' }).sopsKeySecret).toEqual({
      namespace: 'keys',
      name: 'age-key',
    });
  });

  it.each(['a/b/c', 'Bad_Name', 'keys/'])('refuses %s naming the flag', (value) => {
    expect(() => loadAgentConfig([...hub, '--sops-age-key-secret', value], {})).toThrow(
      /--sops-age-key-secret: .* is not NAME or NAMESPACE\/NAME of a Secret/,
    );
  });
});
