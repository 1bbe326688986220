import { UnauthenticatedError } from '../domain/errors.js';

/**
 * The VCS server rejected the repository's credentials. A subclass of UnauthenticatedError so
 * it stays a typed 4xx-class error, but distinct: it is the repository's stored credentials
 * that failed, not the API caller's token, so the hub should report it as a repository error
 * (status / 4xx on registration) rather than answer 401 to a correctly authenticated caller.
 */
export class VcsAuthenticationError extends UnauthenticatedError {
  constructor(url: string) {
    super(`repository authentication failed for ${scrubUrl(url)}: check the repository credentials`);
  }
}

/** Removes any `user:password@` from URLs in a text, so messages never carry credentials. */
export function scrubUrl(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, '$1');
}

/**
 * Removes every known secret value from a text. Used on anything a VCS tool printed before it
 * goes into an error message, as a belt-and-braces measure on top of {@link scrubUrl}.
 */
export function scrubSecrets(text: string, secrets: readonly (string | undefined)[]): string {
  let out = scrubUrl(text);
  for (const s of secrets) if (s && s.length >= 1) out = out.split(s).join('***');
  return out;
}
