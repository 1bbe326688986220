/**
 * Whether an agent may talk to a hub URL. The agent sends its cluster credential on every
 * call and applies whatever the hub hands it, so a plain `http://` hub URL across a network
 * gives both to anyone on the path. Loopback stays allowed (a hub and agent on one machine,
 * the tests); anything else needs https or an explicit `--allow-insecure-hub`.
 */

/** True for `localhost`, `*.localhost`, 127.0.0.0/8 and `::1`. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (host === '::1' || host === '0:0:0:0:0:0:0:1') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** True when `url` is plain http to a host other than loopback (an unparsable URL: false). */
export function isInsecureHubUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname);
}
