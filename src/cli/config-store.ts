import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError } from './errors.js';

/** What `flotilla login` remembers. */
export interface CliConfig {
  hubUrl: string;
  token: string;
}

/** Where the config lives: `FLOTILLA_CONFIG`, else `$XDG_CONFIG_HOME/flotilla/config.json`, else `~/.config/…`. */
export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FLOTILLA_CONFIG) return env.FLOTILLA_CONFIG;
  const base = env.XDG_CONFIG_HOME || join(homedir(), '.config');
  return join(base, 'flotilla', 'config.json');
}

/** Reads the saved config, or null when there is none. A broken file is an error, not "logged out". */
export async function readConfig(path = configPath()): Promise<CliConfig | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new CliError(`cannot read ${path}: ${(e as Error).message}`);
  }
  try {
    const parsed = JSON.parse(text) as Partial<CliConfig>;
    if (typeof parsed.hubUrl !== 'string' || typeof parsed.token !== 'string')
      throw new Error('missing fields');
    return { hubUrl: parsed.hubUrl, token: parsed.token };
  } catch (e) {
    throw new CliError(`${path} is not a flotilla config (${(e as Error).message}): run flotilla login`);
  }
}

/**
 * Saves the config readable by its owner only: the directory 0700, the file 0600 (the mode is
 * set again after writing, since `writeFile` keeps the mode of a file that already exists).
 */
export async function writeConfig(config: CliConfig, path = configPath()): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFile(path, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  await chmod(path, 0o600);
}

/** Forgets the saved config; true when there was one. */
export async function deleteConfig(path = configPath()): Promise<boolean> {
  try {
    await rm(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

/**
 * The hub URL and token to use: `FLOTILLA_URL` / `FLOTILLA_TOKEN` win over the file, each on
 * its own, so CI can set the token and keep a URL from the file.
 */
export async function resolveConnection(
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ hubUrl: string; token: string | null }> {
  const saved = env.FLOTILLA_URL && env.FLOTILLA_TOKEN ? null : await readConfig(configPath(env));
  const hubUrl = env.FLOTILLA_URL || saved?.hubUrl;
  if (!hubUrl) throw new CliError('no hub configured: run flotilla login <hub-url>, or set FLOTILLA_URL');
  return { hubUrl: normalizeHubUrl(hubUrl), token: env.FLOTILLA_TOKEN || saved?.token || null };
}

/** Checks a hub URL and drops trailing slashes, so paths can be appended to it. */
export function normalizeHubUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new CliError(`not a URL: ${raw}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new CliError(`the hub URL must be http(s): ${raw}`);
  if (u.username || u.password) throw new CliError('the hub URL must not carry credentials: use --token');
  return u.toString().replace(/\/+$/, '');
}
