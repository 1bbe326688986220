import type { Project } from '../api';

type GroupKind = Project['objects']['allowedKinds'][number];

/** `apps/Deployment`, `Namespace` (the core group), `*` for a wildcard group and kind. */
function kindText(gk: GroupKind): string {
  if (gk.group === '*' && gk.kind === '*') return 'every kind';
  const kind = gk.kind === '*' ? 'every kind' : gk.kind;
  if (gk.group === '') return kind;
  return gk.group === '*' ? `${kind} (any group)` : `${gk.group}/${kind}`;
}

function Kinds({ kinds }: { kinds: GroupKind[] }) {
  return (
    <>
      {kinds.map((k, i) => (
        <span key={`${k.group}/${k.kind}`}>
          {i > 0 && ', '}
          <code>{kindText(k)}</code>
        </span>
      ))}
    </>
  );
}

/** Whether cluster-scoped objects may be deployed: only kinds listed as allowed may be. */
function clusterScopedText(allowed: GroupKind[]): string {
  if (allowed.some((k) => k.kind === '*' && k.group === '*'))
    return 'Allowed (every kind is listed as allowed).';
  if (allowed.length === 0) return 'Refused: no kind is listed as allowed, so no cluster-scoped kind is.';
  return 'Only the cluster-scoped kinds among the allowed kinds above; every other one is refused.';
}

/** What a plain Secret does under the project (SOPS-encrypted ones are not plain). */
function plainSecretsText(allowSecrets: boolean, mode: Project['plainSecrets']): string {
  if (!allowSecrets || mode === 'deny') return 'Refused';
  if (mode === 'warn') return 'Deployed with a warning on the application, audited once per revision';
  return 'Allowed';
}

/** A project's rules read as sentences: where from, where to, and which objects. */
export function ProjectRules({ project }: { project: Project }) {
  const o = project.objects;
  return (
    <dl className="rules" data-testid="project-rules">
      <dt>Source repositories</dt>
      <dd>
        <ul data-testid="rule-sources">
          {project.sources.map((s) => (
            <li key={`${s.repository} ${s.path ?? ''}`}>
              {s.repository === '*' ? 'any repository' : <code>{s.repository}</code>}
              {s.path ? (
                <>
                  , under <code>{s.path}</code>
                </>
              ) : (
                ', any path'
              )}
            </li>
          ))}
        </ul>
      </dd>
      <dt>Destination clusters</dt>
      <dd data-testid="rule-clusters">
        {project.clusterSelector ? (
          <>
            clusters whose labels match <code>{project.clusterSelector}</code>
          </>
        ) : (
          'every cluster'
        )}
      </dd>
      <dt>Namespaces</dt>
      <dd data-testid="rule-namespaces">
        {o.namespaces.length === 0 ? (
          'none: no namespaced object may be deployed'
        ) : o.namespaces.includes('*') ? (
          'any namespace'
        ) : (
          <>
            only{' '}
            {o.namespaces.map((n, i) => (
              <span key={n}>
                {i > 0 && ', '}
                <code>{n}</code>
              </span>
            ))}
            {o.namespaces.some((n) => n.includes('*')) && ' (* stands for any run of characters)'}
          </>
        )}
      </dd>
      <dt>Allowed kinds</dt>
      <dd data-testid="rule-allowed">
        {o.allowedKinds.length === 0 ? 'every namespaced kind' : <Kinds kinds={o.allowedKinds} />}
      </dd>
      <dt>Denied kinds</dt>
      <dd data-testid="rule-denied">
        {o.deniedKinds.length === 0 ? (
          'none'
        ) : (
          <>
            <Kinds kinds={o.deniedKinds} />, whatever else allows them
          </>
        )}
      </dd>
      <dt>Cluster-scoped objects</dt>
      <dd data-testid="rule-cluster-scoped">{clusterScopedText(o.allowedKinds)}</dd>
      <dt>Plain Secrets (v1/Secret)</dt>
      <dd data-testid="rule-secrets">{plainSecretsText(o.allowSecrets, project.plainSecrets)}</dd>
    </dl>
  );
}
