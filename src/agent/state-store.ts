/**
 * What the agent keeps so it can work without the hub: its credential, and per application
 * the last desired state (job metadata, bundle digest, and a job still in progress) plus the
 * bundle bytes by digest. After a restart while the hub is down the agent re-applies this and
 * keeps self-healing; a job interrupted by a crash is resumed and reported.
 *
 * Two backends:
 * - {@link FileStateStore}: a directory (`--state-dir`), for agents running outside a cluster
 *   (and tests). Files are written to a temp name and renamed, so a crash leaves old or new,
 *   never half.
 * - {@link ClusterStateStore}: in-cluster, the credential in a Secret and each application's
 *   state in a ConfigMap of the agent's namespace, the bundle gzip-compressed in `binaryData`.
 *   ConfigMaps hold at most 1 MiB: a bundle that does not fit compressed is kept only in memory
 *   and fetched again from the hub after a restart (documented limit).
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { JobV1 } from '../protocol/v1/agent-protocol.js';
import type { ClusterClient } from './cluster/cluster-client.js';
import { AGENT_STATE_LABEL } from './apply/inventory-store.js';
import type { AgeIdentityStore } from './sealing/age-keys.js';

/** The last desired state of one application, as the agent enforces it. */
export interface DesiredState {
  /** The job whose bundle is enforced (its last successful sync). */
  job: JobV1;
  /** A job received but not yet reported: resumed after a restart. */
  pending?: JobV1;
}

/** Persistence of the agent's own state (and its age identities, see sealing/age-keys.ts). */
export interface StateStore extends AgeIdentityStore {
  loadCredential(): Promise<string | null>;
  saveCredential(credential: string): Promise<void>;
  listDesired(): Promise<DesiredState[]>;
  saveDesired(applicationId: string, state: DesiredState): Promise<void>;
  removeDesired(applicationId: string): Promise<void>;
  loadBundle(digest: string): Promise<Buffer | null>;
  saveBundle(applicationId: string, digest: string, bytes: Buffer): Promise<void>;
}

const safe = (name: string) => name.replace(/[^A-Za-z0-9_.-]/g, '_');

async function writeAtomic(path: string, data: string | Buffer): Promise<void> {
  await writeFile(`${path}.tmp`, data, { mode: 0o600 });
  await rename(`${path}.tmp`, path);
}

async function readOrNull(path: string): Promise<Buffer | null> {
  try {
    return await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

/**
 * {@link StateStore} in a directory: `credential`, `age-identities` (one private key a line,
 * newest first; 0600 like everything here), `desired/<app>.json`, `bundles/<digest>`.
 */
export class FileStateStore implements StateStore {
  constructor(private readonly dir: string) {}

  private async ensure(): Promise<void> {
    await mkdir(join(this.dir, 'desired'), { recursive: true, mode: 0o700 });
    await mkdir(join(this.dir, 'bundles'), { recursive: true, mode: 0o700 });
  }

  async loadCredential(): Promise<string | null> {
    return (await readOrNull(join(this.dir, 'credential')))?.toString('utf8').trim() || null;
  }

  async saveCredential(credential: string): Promise<void> {
    await this.ensure();
    await writeAtomic(join(this.dir, 'credential'), credential);
  }

  async loadAgeIdentities(): Promise<string[]> {
    const text = (await readOrNull(join(this.dir, 'age-identities')))?.toString('utf8') ?? '';
    return text.split('\n').filter(Boolean);
  }

  async saveAgeIdentities(identities: string[]): Promise<void> {
    await this.ensure();
    await writeAtomic(join(this.dir, 'age-identities'), identities.join('\n') + '\n');
  }

  async listDesired(): Promise<DesiredState[]> {
    await this.ensure();
    const names = (await readdir(join(this.dir, 'desired'))).filter((n) => n.endsWith('.json'));
    const states: DesiredState[] = [];
    for (const name of names) {
      const text = await readOrNull(join(this.dir, 'desired', name));
      if (text) states.push(JSON.parse(text.toString('utf8')) as DesiredState);
    }
    return states;
  }

  async saveDesired(applicationId: string, state: DesiredState): Promise<void> {
    await this.ensure();
    await writeAtomic(join(this.dir, 'desired', `${safe(applicationId)}.json`), JSON.stringify(state));
  }

  async removeDesired(applicationId: string): Promise<void> {
    await rm(join(this.dir, 'desired', `${safe(applicationId)}.json`), { force: true });
  }

  loadBundle(digest: string): Promise<Buffer | null> {
    return readOrNull(join(this.dir, 'bundles', safe(digest)));
  }

  async saveBundle(_applicationId: string, digest: string, bytes: Buffer): Promise<void> {
    await this.ensure();
    await writeAtomic(join(this.dir, 'bundles', safe(digest)), bytes);
  }
}

// Leaves room for the rest of the ConfigMap under the API server's 1 MiB object limit.
const MAX_STORED_BUNDLE = 900 * 1024;

/** {@link StateStore} in the agent's namespace (see the module comment). */
export class ClusterStateStore implements StateStore {
  private readonly memory = new Map<string, Buffer>();
  /** Bundle digests each application's stored state refers to: the only bundles worth keeping. */
  private readonly referenced = new Map<string, string[]>();

  constructor(
    private readonly client: ClusterClient,
    private readonly namespace: string,
    private readonly secretName: string,
  ) {}

  private cm(applicationId: string) {
    return {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      namespace: this.namespace,
      name: `flotilla-desired-${applicationId}`,
    };
  }

  async loadCredential(): Promise<string | null> {
    const secret = await this.client.get({
      apiVersion: 'v1',
      kind: 'Secret',
      namespace: this.namespace,
      name: this.secretName,
    });
    const value = (secret?.data as Record<string, string> | undefined)?.credential;
    return value ? Buffer.from(value, 'base64').toString('utf8') : null;
  }

  async saveCredential(credential: string): Promise<void> {
    await this.client.apply({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: this.secretName,
        namespace: this.namespace,
        labels: { [AGENT_STATE_LABEL]: 'credential' },
      },
      type: 'Opaque',
      data: { credential: Buffer.from(credential).toString('base64') },
    });
  }

  /** The identities' Secret: `<secret>-age`, apart from the credential so neither apply drops the other. */
  private ageSecret() {
    return { apiVersion: 'v1', kind: 'Secret', namespace: this.namespace, name: `${this.secretName}-age` };
  }

  async loadAgeIdentities(): Promise<string[]> {
    const secret = await this.client.get(this.ageSecret());
    const value = (secret?.data as Record<string, string> | undefined)?.identities;
    return value ? Buffer.from(value, 'base64').toString('utf8').split('\n').filter(Boolean) : [];
  }

  async saveAgeIdentities(identities: string[]): Promise<void> {
    await this.client.apply({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: this.ageSecret().name,
        namespace: this.namespace,
        labels: { [AGENT_STATE_LABEL]: 'age-identity' },
      },
      type: 'Opaque',
      data: { identities: Buffer.from(identities.join('\n') + '\n').toString('base64') },
    });
  }

  async listDesired(): Promise<DesiredState[]> {
    const { items } = await this.client.list('v1', 'ConfigMap', {
      namespace: this.namespace,
      labelSelector: `${AGENT_STATE_LABEL}=desired`,
    });
    return items.flatMap((cm) => {
      const data = cm.data as Record<string, string> | undefined;
      const binary = cm.binaryData as Record<string, string> | undefined;
      if (!data?.state) return [];
      const state = JSON.parse(data.state) as DesiredState;
      this.refer(state);
      if (binary?.bundle && state.job.bundleDigest)
        this.memory.set(state.job.bundleDigest, gunzipSync(Buffer.from(binary.bundle, 'base64')));
      return [state];
    });
  }

  private async write(applicationId: string, state: DesiredState, bundle?: Buffer): Promise<void> {
    const ref = this.cm(applicationId);
    const gz = bundle ? gzipSync(bundle) : null;
    await this.client.apply({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: ref.name, namespace: this.namespace, labels: { [AGENT_STATE_LABEL]: 'desired' } },
      data: { state: JSON.stringify(state) },
      ...(gz && gz.length <= MAX_STORED_BUNDLE ? { binaryData: { bundle: gz.toString('base64') } } : {}),
    });
  }

  async saveDesired(applicationId: string, state: DesiredState): Promise<void> {
    const digest = state.job.bundleDigest;
    await this.write(applicationId, state, digest ? this.memory.get(digest) : undefined);
    this.refer(state);
  }

  async removeDesired(applicationId: string): Promise<void> {
    await this.client.delete(this.cm(applicationId));
    this.referenced.delete(applicationId);
    this.evict();
  }

  private refer(state: DesiredState): void {
    const digests = [state.job.bundleDigest, state.pending?.bundleDigest];
    this.referenced.set(
      state.job.applicationId,
      digests.filter((d): d is string => !!d),
    );
    this.evict();
  }

  /** Forgets bundles no stored state refers to any more (each sync would otherwise leave one). */
  private evict(): void {
    const keep = new Set([...this.referenced.values()].flat());
    for (const digest of this.memory.keys()) if (!keep.has(digest)) this.memory.delete(digest);
  }

  loadBundle(digest: string): Promise<Buffer | null> {
    return Promise.resolve(this.memory.get(digest) ?? null);
  }

  saveBundle(_applicationId: string, digest: string, bytes: Buffer): Promise<void> {
    this.memory.set(digest, bytes);
    return Promise.resolve();
  }
}
