import { lookup } from 'node:dns/promises';
import { type AllowEntry, egressRefusal, parseIp } from '../domain/egress-policy.js';
import { DependencyFailedError } from '../domain/errors.js';
import { DEFAULT_PORTS } from '../domain/repository-url.js';

/** Resolves a host name to every address it has (the system resolver by default). */
export interface HostResolver {
  resolve(host: string): Promise<string[]>;
}

/** {@link HostResolver} over getaddrinfo, as the connection itself would resolve. */
export const systemResolver: HostResolver = {
  async resolve(host) {
    return (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
  },
};

/**
 * A call refused by the egress policy. `message` is the coarse text a viewer may see; the
 * detail (which address, which class) is in `detail`, for the log only, so that the
 * repository status cannot be used to map the internal network.
 */
export class EgressRefusedError extends DependencyFailedError {
  constructor(readonly detail: string) {
    super('refused by egress policy');
  }
}

/** Addresses a call was checked against; connect to one of these, never resolve again. */
export interface CheckedTarget {
  host: string;
  port: number;
  addresses: { address: string; family: 4 | 6 }[];
}

/**
 * Applies the egress policy to outbound calls: resolves the host, checks every address, and
 * hands back the checked addresses so the caller connects to exactly those (no second lookup
 * a DNS-rebinding server could answer differently).
 */
export class EgressGuard {
  constructor(
    private readonly allow: readonly AllowEntry[],
    private readonly resolver: HostResolver = systemResolver,
  ) {}

  /** Checks a URL's host and port; throws {@link EgressRefusedError} when refused. */
  async check(url: string | URL): Promise<CheckedTarget> {
    const u = typeof url === 'string' ? new URL(url) : url;
    const scheme = u.protocol.replace(/:$/, '');
    const host = u.hostname.replace(/^\[|\]$/g, '');
    const port = u.port ? Number(u.port) : (DEFAULT_PORTS[scheme] ?? 0);
    let addresses: string[];
    if (parseIp(host)) addresses = [host];
    else {
      try {
        addresses = await this.resolver.resolve(host);
      } catch (e) {
        throw new DependencyFailedError(
          `repository unreachable (${(e as { code?: string }).code ?? 'DNS error'})`,
        );
      }
    }
    const refusal = egressRefusal({ host, port }, addresses, this.allow);
    if (refusal) throw new EgressRefusedError(`${scheme}://${host}:${port}: ${refusal}`);
    return {
      host,
      port,
      addresses: addresses.map((a) => ({ address: a.replace(/%.*$/, ''), family: a.includes(':') ? 6 : 4 })),
    };
  }
}
