/**
 * An audit event as a sentence: who did what to which cluster, application, repository or
 * revision ("admin committed apps/web/deploy.yaml to fleet — 'web: api 2'"). Pure: the page
 * turns the link parts into links; hashes, sequence and raw details stay a click away there.
 * One entry per action the hub records; an action this does not know still reads as a
 * sentence (actor, action, what it names).
 */

/** The fields of an audit event a sentence is made from. */
export interface AuditEventLike {
  action: string;
  actor: { type: string; id?: string; name: string };
  clusterId: string | null;
  applicationId: string | null;
  repositoryId: string | null;
  revision: string | null;
  resource: string | null;
  details: Record<string, unknown>;
}

/** A piece of a sentence: plain text, or something it names, with where that is shown. */
export type SentencePart =
  | string
  | {
      kind: 'cluster' | 'application' | 'repository' | 'revision' | 'resource';
      text: string;
      href: string;
    };

/** What the page knows about the ids an event holds (names of live objects, an app's repository). */
export interface SentenceLookup {
  name(id: string): string | null;
  repositoryOf(applicationId: string): string | null;
  /** The branch a repository follows, to say `main@2cbbec3` of an event that holds a bare commit id. */
  branchOf?(repositoryId: string): string | null;
}

const enc = encodeURIComponent;

/**
 * The sync hooks a job ran, as its result recorded them: `; hooks: PreSync Job/db-migrate
 * succeeded, PostSync Job/smoke failed (exit 1)`. Nothing when it ran none.
 */
function hooksRun(hooks: unknown): string[] {
  if (!Array.isArray(hooks) || hooks.length === 0) return [];
  const said = hooks.map((h: Record<string, unknown>) => {
    const [, kind, , name] = String(h.resource ?? '').split('/');
    const what = kind && name ? `${kind}/${name}` : String(h.resource ?? '?');
    const why = typeof h.message === 'string' && h.message ? ` (${h.message})` : '';
    return `${String(h.phase ?? '?')} ${what} ${String(h.outcome ?? '?')}${why}`;
  });
  return [`; hooks: ${said.join(', ')}`];
}

/** `main@sha1:2cbbec3…` → `main@2cbbec3`; anything else unchanged. */
export function shortRevision(rev: string): string {
  const m = /^(.*)@sha1:([0-9a-f]{7})[0-9a-f]*$/.exec(rev);
  return m ? `${m[1]}@${m[2]}` : rev;
}

/** `apps/Deployment/web/api` → `Deployment web/api`; `/ConfigMap/one` → `ConfigMap one`. */
export function resourceText(id: string): string {
  const [, kind, ns, name] = id.split('/');
  if (name === undefined) return ns ? `${kind} ${ns}` : id;
  return `${kind} ${ns ? `${ns}/` : ''}${name}`;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The sentence of one event, as text and link parts. */
export function auditSentence(e: AuditEventLike, look: SentenceLookup): SentencePart[] {
  const d = e.details ?? {};
  const cluster = (): SentencePart =>
    e.clusterId
      ? {
          kind: 'cluster',
          text: look.name(e.clusterId) ?? str(d.cluster) ?? str(d.name) ?? e.clusterId.slice(0, 8),
          href: `/audit?cluster=${enc(e.clusterId)}`,
        }
      : (str(d.cluster) ?? str(d.name) ?? 'a cluster');
  const appName = e.applicationId ? (look.name(e.applicationId) ?? str(d.application)) : str(d.application);
  const app = (): SentencePart =>
    e.applicationId
      ? {
          kind: 'application',
          text: appName ?? str(d.name) ?? e.applicationId.slice(0, 8),
          href: `/applications/${enc(appName ?? e.applicationId)}`,
        }
      : (appName ?? str(d.name) ?? 'an application');
  const repoId = e.repositoryId ?? (e.applicationId ? look.repositoryOf(e.applicationId) : null);
  const repo = (): SentencePart =>
    e.repositoryId
      ? {
          kind: 'repository',
          text: look.name(e.repositoryId) ?? str(d.repository) ?? str(d.name) ?? e.repositoryId.slice(0, 8),
          href: `/repositories/${enc(e.repositoryId)}`,
        }
      : (str(d.repository) ?? str(d.name) ?? 'a repository');
  const rev = (id: string | null = e.revision, display: string | null = str(d.display)): SentencePart => {
    const branch = repoId ? (look.branchOf?.(repoId) ?? null) : null;
    const text = display
      ? shortRevision(display)
      : id && /^[0-9a-f]{40}$/.test(id)
        ? `${branch ? `${branch}@` : ''}${id.slice(0, 7)}`
        : shortRevision(id ?? '');
    if (!id || !repoId) return text || 'an unknown revision';
    return { kind: 'revision', text, href: `/repositories/${enc(repoId)}?revision=${enc(id)}` };
  };
  const resource = (): SentencePart =>
    e.resource
      ? {
          kind: 'resource',
          text: resourceText(e.resource),
          href: `/audit?resource=${enc(e.resource)}${e.clusterId ? `&cluster=${enc(e.clusterId)}` : ''}`,
        }
      : 'an object';
  // an agent speaks for its cluster: "agent prod-us: …"
  const actor = (): SentencePart[] =>
    e.actor.type === 'agent' && e.clusterId ? ['agent ', cluster()] : [e.actor.name || e.actor.type];
  const at = (): SentencePart[] => (e.revision || str(d.display) ? [' at ', rev()] : []);
  const message = (m: unknown): SentencePart[] => (str(m) ? [`: ${str(m)}`] : []);
  // a rollout's audit details name the stage, and the batch as `2/3`
  const batchText = () => `stage ${str(d.stage) ?? '?'}${str(d.batch) ? ` batch ${str(d.batch)}` : ''}`;
  const named = (what: string) => str(d.name) ?? str((d.after as Record<string, unknown>)?.name) ?? what;

  switch (e.action) {
    case 'resource.committed': {
      const paths = Array.isArray(d.paths) ? d.paths.join(', ') : 'files';
      const verb = d.operation === 'delete' ? 'deleted' : 'committed';
      const to = d.operation === 'delete' ? ' from ' : ' to ';
      const msg = str(d.message) ? [` — '${str(d.message)}'`] : [];
      return [...actor(), ` ${verb} ${paths}${to}`, repo(), ...at(), ...msg];
    }
    case 'revision.detected': {
      const n = Array.isArray(d.paths) ? d.paths.length : null;
      return [repo(), ' moved to ', rev(), ...(n !== null ? [` (${plural(n, 'path')} changed)`] : [])];
    }
    case 'revision.rewound':
      return [
        repo(),
        `: branch ${str(d.branch) ?? ''} moved back from ${shortRevision(str(d.previous) ?? '?')} to `,
        rev(),
      ];
    case 'job.dispatched':
      return [...actor(), ` queued a ${str(d.kind) ?? 'sync'} of `, app(), ' on ', cluster(), ...at()];
    case 'job.succeeded': {
      const counts = (d.counts ?? {}) as Record<string, number>;
      const order = ['created', 'configured', 'unchanged', 'deleted', 'failed'];
      const keys = Object.keys(counts).sort((a, b) => order.indexOf(a) - order.indexOf(b));
      const said = keys
        .filter((k) => counts[k] > 0)
        .map((k, i) => `${i ? counts[k] : plural(counts[k], 'object')} ${k}`);
      if (d.kind && d.kind !== 'sync')
        return [
          cluster(),
          ` finished the ${str(d.kind)} of `,
          app(),
          ...at(),
          ...(said.length ? [`: ${said.join(', ')}`] : []),
        ];
      return [
        cluster(),
        ' applied ',
        app(),
        ...at(),
        `: ${said.length ? said.join(', ') : 'no objects'}`,
        ...hooksRun(d.hooks),
      ];
    }
    case 'job.failed': {
      const retry = d.willRetry === true ? ' (will retry)' : '';
      const attempt = num(d.attempt);
      return [
        cluster(),
        ` failed to ${d.kind && d.kind !== 'sync' ? `run the ${str(d.kind)} of` : 'apply'} `,
        app(),
        ...at(),
        ...(attempt && attempt > 1 ? [` on attempt ${attempt}`] : []),
        ...message(d.message),
        retry,
        ...hooksRun(d.hooks),
      ];
    }
    case 'resource.applied':
      return [cluster(), ` ${str(d.action) ?? 'applied'} `, resource(), ' of ', app(), ...message(d.message)];
    case 'resource.pruned':
      return [cluster(), ' pruned ', resource(), ' of ', app()];
    case 'drift.detected':
      return [...actor(), ': drift on ', resource(), ' detected', ...message(d.message)];
    case 'drift.corrected':
      return [...actor(), ': drift on ', resource(), ' corrected'];
    case 'resource.health-changed':
      return [
        ...actor(),
        ': ',
        resource(),
        ` is ${str(d.health) ?? 'of unknown health'}`,
        ...message(d.message),
      ];
    case 'sync.failed':
      return [
        'sync of ',
        app(),
        ' to ',
        cluster(),
        ...at(),
        ` failed in the ${str(d.phase) ?? 'unknown'} phase`,
        ...message(d.error),
      ];
    case 'policy.denied': {
      const refusals = Array.isArray(d.refusals) ? d.refusals : [];
      const first = refusals[0] as unknown;
      const why =
        str(first) ??
        str((first as Record<string, unknown> | undefined)?.message) ??
        str((first as Record<string, unknown> | undefined)?.reason);
      const n = num(d.clusterCount);
      return [
        `project ${str(d.project) ?? '?'} refused `,
        app(),
        ...at(),
        ...(n !== null ? [` on ${plural(n, 'cluster')}`] : []),
        ...(why ? [`: ${why}`] : []),
      ];
    }
    case 'preview.requested': {
      const n = num(d.clusterCount);
      return [
        ...actor(),
        ' asked for a preview of ',
        app(),
        ...(e.revision || str(d.display) ? [' at ', rev()] : []),
        ...(n !== null ? [` on ${plural(n, 'cluster')}`] : []),
      ];
    }
    case 'rollout.started': {
      const stages = Array.isArray(d.stages) ? d.stages.filter((x) => typeof x === 'string') : [];
      return [
        ...actor(),
        ' started a staged rollout of ',
        app(),
        ...at(),
        ...(stages.length ? [` in ${plural(stages.length, 'stage')}: ${stages.join(', ')}`] : []),
      ];
    }
    case 'rollout.batch.started': {
      const names = Array.isArray(d.clusters) ? d.clusters.filter((x) => typeof x === 'string') : [];
      const n = num(d.clusterCount) ?? names.length;
      const more = n > names.length ? ` and ${n - names.length} more` : '';
      return [
        'rollout of ',
        app(),
        ...at(),
        `: ${batchText()} started`,
        ...(names.length ? [` on ${names.join(', ')}${more}`] : n ? [` on ${plural(n, 'cluster')}`] : []),
      ];
    }
    case 'rollout.batch.healthy':
      return ['rollout of ', app(), ...at(), `: ${batchText()} is Synced and Healthy`];
    case 'rollout.paused':
      return d.by === 'operator'
        ? [...actor(), ' paused the rollout of ', app(), ...at(), ...message(d.reason)]
        : ['the rollout of ', app(), ...at(), ' stopped', ...message(d.reason)];
    case 'rollout.resumed':
      return [...actor(), ' resumed the rollout of ', app(), ...at(), ...message(d.reason)];
    case 'rollout.promoted': {
      const names = Array.isArray(d.clusters) ? d.clusters.filter((x) => typeof x === 'string') : [];
      const past = [
        str(d.stage) ? `the approval gate of stage ${str(d.stage)}` : null,
        names.length ? `the failures of ${names.join(', ')}` : null,
      ].filter(Boolean);
      return [
        ...actor(),
        ' promoted the rollout of ',
        app(),
        ...at(),
        ...(past.length ? [` past ${past.join(' and ')}`] : []),
        ...message(d.reason),
      ];
    }
    case 'rollout.retried': {
      const names = Array.isArray(d.clusters) ? d.clusters.filter((x) => typeof x === 'string') : [];
      return [
        ...actor(),
        ' retried ',
        names.length ? names.join(', ') : 'the failed clusters',
        ' in the rollout of ',
        app(),
        ...at(),
        ...message(d.reason),
      ];
    }
    case 'rollout.aborted':
      return [...actor(), ' aborted the rollout of ', app(), ...at(), ...message(d.reason)];
    case 'rollout.rolled-back':
      return ['the rollout of ', app(), ...at(), ' was rolled back', ...message(d.reason)];
    case 'rollout.completed':
      return ['the rollout of ', app(), ...at(), ' completed'];
    case 'rollout.superseded':
      // its reason reads "superseded by revision …"
      return ['the rollout of ', app(), ...at(), ` was ${str(d.reason) ?? 'superseded'}`];
    case 'secret.plain': {
      const n = num(d.secretCount);
      return [
        `project ${str(d.project) ?? '?'} warned that `,
        app(),
        ...at(),
        ` deploys ${n !== null ? plural(n, 'plain Secret') : 'plain Secrets'} committed in clear`,
      ];
    }
    case 'application.created':
      return [...actor(), ' created application ', app()];
    case 'application.updated':
      return [...actor(), ' changed application ', app()];
    case 'application.synced':
      return [...actor(), ' asked for a sync of ', app()];
    case 'application.deletion-requested':
      return [...actor(), ' asked to delete application ', app(), ' (its objects are removed first)'];
    case 'application.deleted':
      return ['application ', app(), ' was deleted, its objects removed'];
    case 'cluster.registered':
      return [...actor(), ' registered cluster ', cluster()];
    case 'cluster.connected':
      return ['the agent of ', cluster(), ' connected'];
    case 'cluster.disconnected': {
      const s = num(d.silentForSeconds);
      return [cluster(), ' disconnected', ...(s !== null ? [` (silent for ${s} s)`] : [])];
    }
    case 'cluster.updated':
      return [...actor(), ' changed the labels of ', cluster()];
    case 'cluster.deleted':
      return [...actor(), ' deleted cluster ', cluster()];
    case 'cluster.registration-token-issued':
      return [...actor(), ' issued a registration token for ', cluster()];
    case 'cluster.key-rotation-requested':
      return [
        ...actor(),
        ' asked ',
        cluster(),
        ` for a new age key${str(d.fingerprint) ? ` (replacing ${str(d.fingerprint)})` : ''}`,
      ];
    case 'cluster.credential-revoked':
      return [...actor(), ' revoked the agent credential of ', cluster()];
    case 'repository.created':
      return [...actor(), ' added repository ', repo()];
    case 'repository.updated':
      return [...actor(), ' changed repository ', repo()];
    case 'repository.deleted':
      return [...actor(), ' removed repository ', repo()];
    case 'project.created':
      return [...actor(), ` created project ${named('?')}`];
    case 'project.updated':
      return [...actor(), ` changed project ${named('?')}`];
    case 'project.deleted':
      return [...actor(), ` deleted project ${named('?')}`];
    case 'audit.partition.detached': {
      const from = str(d.from)?.slice(0, 7);
      const months = num(d.retentionMonths);
      return [
        `the audit month ${from ?? '?'} was detached from the trail`,
        ...(months !== null ? [` (retention ${plural(months, 'month')})`] : []),
        ', after a checkpoint signed its last event',
      ];
    }
    case 'generator.created':
      return [...actor(), ` created generator ${named('?')}`];
    case 'generator.updated':
      return [...actor(), ` changed generator ${named('?')}`];
    case 'generator.deleted':
      return [...actor(), ` deleted generator ${named('?')} and the applications it made`];
    case 'health-check.created':
    case 'health-check.updated':
    case 'health-check.deleted': {
      const verb = { created: 'added', updated: 'changed', deleted: 'removed' }[
        e.action.slice('health-check.'.length)
      ];
      const group = str(d.group);
      const kind = str(d.kind) ?? '?';
      return [...actor(), ` ${verb ?? 'changed'} the health check for ${group ? `${group}/` : ''}${kind}`];
    }
    case 'notification.subscription-created': {
      const type = str((d.channel as Record<string, unknown> | undefined)?.type);
      return [
        ...actor(),
        ` created notification subscription ${named('?')}`,
        ...(type ? [` (${type})`] : []),
      ];
    }
    case 'notification.subscription-updated':
      return [...actor(), ` changed notification subscription ${named('?')}`];
    case 'notification.subscription-deleted':
      return [...actor(), ` deleted notification subscription ${named('?')}`];
    case 'notification.subscription-secret-rotated':
      return [...actor(), ` rotated the signing secret of notification subscription ${named('?')}`];
    case 'token.created':
      return [
        ...actor(),
        ` created ${d.bootstrap === true ? 'the bootstrap ' : ''}token ${named('?')}`,
        ...(str(d.role) ? [` (${str(d.role)})`] : []),
      ];
    case 'token.revoked':
      return [...actor(), ` revoked token ${named('?')}`];
    case 'auth.sso.login':
      return [...actor(), ` signed in through single sign-on${str(d.client) === 'cli' ? ' (CLI)' : ''}`];
    case 'auth.sso.logout':
      return [...actor(), ' signed out'];
    case 'auth.sso.refused':
      return ['single sign-on refused', ...message(d.reason)];
    case 'auth.sso.revoked':
      return [...actor(), ' ended a single sign-on session', ...(str(d.name) ? [` of ${str(d.name)}`] : [])];
    case 'audit.chain.keyed':
      return ['the audit chain is protected by the audit key from here on'];
    default:
      return generic(e, actor(), cluster, app, repo, resource, at);
  }
}

/** An action without its own sentence: actor, action, and everything it names. */
function generic(
  e: AuditEventLike,
  actor: SentencePart[],
  cluster: () => SentencePart,
  app: () => SentencePart,
  repo: () => SentencePart,
  resource: () => SentencePart,
  at: () => SentencePart[],
): SentencePart[] {
  const out: SentencePart[] = [...actor, ` recorded ${e.action}`];
  const on: SentencePart[][] = [];
  if (e.resource) on.push([resource()]);
  if (e.applicationId) on.push([app()]);
  if (e.clusterId) on.push([cluster()]);
  if (e.repositoryId) on.push([repo()]);
  on.forEach((p, i) => out.push(i === 0 ? ' for ' : ', ', ...p));
  return [...out, ...at()];
}

/** The sentence as plain text (for titles, tests and screen-reader-only summaries). */
export function sentenceText(parts: SentencePart[]): string {
  return parts.map((p) => (typeof p === 'string' ? p : p.text)).join('');
}
