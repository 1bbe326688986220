import { describe, expect, it } from 'vitest';
import {
  type AddressClass,
  classifyAddress,
  egressRefusal,
  inCidr,
  parseAllowList,
  parseCidr,
  parseIp,
} from './egress-policy.js';

describe('egress policy: address classes', () => {
  it.each<[string, AddressClass]>([
    ['8.8.8.8', 'public'],
    ['140.82.112.3', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'shared (CGNAT)'],
    ['100.127.255.255', 'shared (CGNAT)'],
    ['100.128.0.1', 'public'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'reserved'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf::1', 'link-local'],
    ['fc00::1', 'unique-local'],
    ['fd12:3456::1', 'unique-local'],
    ['ff02::1', 'multicast'],
    ['2606:4700::1111', 'public'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:8.8.8.8', 'public'],
    ['::127.0.0.1', 'loopback'],
    ['64:ff9b::a9fe:a9fe', 'link-local'],
    ['0:0:0:0:0:ffff:c0a8:0101', 'private'],
  ])('%s is %s', (text, cls) => {
    const ip = parseIp(text);
    expect(ip).not.toBeNull();
    expect(classifyAddress(ip!)).toBe(cls);
  });

  it.each([
    '',
    'localhost',
    '1.2.3',
    '1.2.3.4.5',
    '256.1.1.1',
    '01.2.3.4',
    '1::2::3',
    '1:2:3:4:5:6:7:8:9',
    'g::1',
  ])('does not take %j for an IP address', (text) => {
    expect(parseIp(text)).toBeNull();
  });

  it.each<[string, string, boolean]>([
    ['10.9.8.7', '10.0.0.0/8', true],
    ['11.0.0.1', '10.0.0.0/8', false],
    ['172.20.1.1', '172.16.0.0/12', true],
    ['192.168.3.4', '192.168.3.4', true],
    ['192.168.3.5', '192.168.3.4/32', false],
    ['fd00::5', 'fd00::/64', true],
    ['fd00:0:0:1::5', 'fd00::/64', false],
    ['10.0.0.1', '::/0', false],
    ['1.2.3.4', '0.0.0.0/0', true],
  ])('%s in %s: %s', (ip, cidr, expected) => {
    expect(inCidr(parseIp(ip)!, parseCidr(cidr)!)).toBe(expected);
  });

  it.each(['10.0.0.0/33', '10.0.0.0/8/1', 'fd00::/129', 'x/8', '10.0.0.0/-1'])(
    'refuses the network %j',
    (t) => {
      expect(parseCidr(t)).toBeNull();
    },
  );
});

describe('egress policy: allow-list', () => {
  it('parses names, addresses, networks and ports', () => {
    expect(
      parseAllowList(' git.internal , 10.0.0.0/8,127.0.0.1:8443,[::1]:9000, fd00::1 ,Svn.Corp:3690,'),
    ).toEqual([
      { kind: 'host', host: 'git.internal', port: null },
      { kind: 'network', network: parseCidr('10.0.0.0/8'), port: null },
      { kind: 'network', network: parseCidr('127.0.0.1/32'), port: 8443 },
      { kind: 'network', network: parseCidr('::1/128'), port: 9000 },
      { kind: 'network', network: parseCidr('fd00::1/128'), port: null },
      { kind: 'host', host: 'svn.corp', port: 3690 },
    ]);
    expect(parseAllowList('')).toEqual([]);
  });

  it.each(['http://x', 'a b', '10.0.0.0/99', 'host:0', 'host:70000', 'host:x', '[::1]:', 'bad_name'])(
    'refuses the entry %j and names it',
    (entry) => {
      expect(() => parseAllowList(entry)).toThrow(entry);
    },
  );
});

describe('egress policy: decisions', () => {
  const allow = parseAllowList('git.internal,10.20.0.0/16,127.0.0.1:8443');
  it.each<[string, number, string[], boolean]>([
    ['github.com', 443, ['140.82.112.3'], true],
    ['evil.example', 80, ['169.254.169.254'], false],
    ['localhost', 80, ['127.0.0.1', '::1'], false],
    ['mixed.example', 443, ['140.82.112.3', '10.0.0.1'], false],
    ['git.internal', 443, ['10.9.9.9'], true],
    ['GIT.internal.', 443, ['10.9.9.9'], true],
    ['svn.internal', 3690, ['10.20.3.4'], true],
    ['svn.internal', 3690, ['::ffff:10.20.3.4'], true],
    ['127.0.0.1', 8443, ['127.0.0.1'], true],
    ['127.0.0.1', 8444, ['127.0.0.1'], false],
    ['rebound.example', 8443, ['127.0.0.1'], true],
    ['nowhere.example', 443, [], false],
    ['[::ffff:169.254.169.254]', 80, ['::ffff:169.254.169.254'], false],
  ])('%s:%d → %j allowed: %s', (host, port, addresses, ok) => {
    const reason = egressRefusal({ host, port }, addresses, allow);
    if (ok) expect(reason).toBeNull();
    else expect(reason).toMatch(/refused by the egress policy|no address/);
  });

  it('names the class and the allow-list setting', () => {
    expect(egressRefusal({ host: '169.254.169.254', port: 80 }, ['169.254.169.254'], [])).toBe(
      '169.254.169.254 is a link-local address: refused by the egress policy (allow it with FLOTILLA_REPOSITORY_ALLOWED_HOSTS)',
    );
  });
});
