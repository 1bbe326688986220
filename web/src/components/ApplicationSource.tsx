import { type ApplicationDetail } from '../api';

type Source = NonNullable<ApplicationDetail['source']>;
type Target = ApplicationDetail['targets'][number];

const KIND_LABELS: Record<Source['kind'], string> = {
  helm: 'Helm chart',
  kustomize: 'Kustomize',
  manifests: 'plain manifests',
};

/** Values as indented JSON (read-only): what the API holds, not an editor. */
function Values({ values, label }: { values: Record<string, unknown>; label: string }) {
  return (
    <pre className="json source-values" aria-label={label}>
      {JSON.stringify(values, null, 2)}
    </pre>
  );
}

/** A list of repository paths, or a dash. */
function Files({ files }: { files?: string[] }) {
  if (!files?.length) return <>—</>;
  return (
    <>
      {files.map((f, i) => (
        <span key={`${i} ${f}`}>
          {i > 0 && ', '}
          <code>{f}</code>
        </span>
      ))}
    </>
  );
}

/**
 * How the application's path renders (its source kind, or "detected from the files", and the
 * options of that kind), then each target with its Helm values: read-only, as the API returns them.
 */
export function ApplicationSource({ app }: { app: ApplicationDetail }) {
  const s = app.source;
  const withHelm = app.targets.some((t) => t.helm);
  return (
    <>
      <h2>Source</h2>
      <dl className="details" data-testid="app-source">
        <dt>Kind</dt>
        <dd data-testid="source-kind">{s ? KIND_LABELS[s.kind] : 'detected from the files'}</dd>
        {s?.kind === 'helm' && (
          <>
            <dt>Release name</dt>
            <dd data-testid="source-release">
              {s.helm?.releaseName ?? `${app.name} (the application name)`}
            </dd>
            <dt>Values files</dt>
            <dd data-testid="source-values-files">
              <Files files={s.helm?.valuesFiles} />
            </dd>
          </>
        )}
        {s?.kind === 'kustomize' && (
          <>
            <dt>Overlay path</dt>
            <dd data-testid="source-kustomize-path">
              {s.kustomize?.path ? <code>{s.kustomize.path}</code> : 'the application path'}
            </dd>
          </>
        )}
      </dl>
      {s?.helm?.values && <Values values={s.helm.values} label="Inline Helm values of the application" />}
      <h2>Targets</h2>
      <div className="table-wrap">
        <table data-testid="app-targets">
          <thead>
            <tr>
              <th scope="col">Cluster selector</th>
              <th scope="col">Namespace</th>
              {withHelm && <th scope="col">Helm values files</th>}
              {withHelm && <th scope="col">Inline Helm values</th>}
            </tr>
          </thead>
          <tbody>
            {app.targets.map((t: Target, i) => (
              <tr key={i} data-target={i}>
                <th scope="row">
                  <code>{t.clusterSelector || '(every cluster)'}</code>
                </th>
                <td>{t.namespace ?? '—'}</td>
                {withHelm && (
                  <td data-testid="target-values-files">
                    <Files files={t.helm?.valuesFiles} />
                  </td>
                )}
                {withHelm && (
                  <td data-testid="target-values">
                    {t.helm?.values ? (
                      <Values values={t.helm.values} label={`Inline Helm values of target ${i + 1}`} />
                    ) : (
                      '—'
                    )}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Strategy app={app} />
    </>
  );
}

/** The staged rollout strategy, one row per stage, as the API stores it (defaults filled in). */
function Strategy({ app }: { app: ApplicationDetail }) {
  const s = app.rollout;
  return (
    <>
      <h2>Rollout strategy</h2>
      {!s ? (
        <p className="muted" data-testid="app-strategy">
          None: a change reaches every targeted cluster at once.
        </p>
      ) : (
        <>
          <p className="small" data-testid="app-strategy">
            On failures over a stage&apos;s budget:{' '}
            {s.onFailure === 'rollback' ? 'roll the moved clusters back' : 'pause'}.
          </p>
          <div className="table-wrap">
            <table data-testid="app-strategy-stages">
              <thead>
                <tr>
                  <th scope="col">Stage</th>
                  <th scope="col">Clusters</th>
                  <th scope="col">Batch size</th>
                  <th scope="col">Bake time</th>
                  <th scope="col">Failures tolerated</th>
                  <th scope="col">Approval</th>
                </tr>
              </thead>
              <tbody>
                {s.stages.map((st) => (
                  <tr key={st.name} data-stage={st.name}>
                    <th scope="row">{st.name}</th>
                    <td>{st.clusterSelector ? <code>{st.clusterSelector}</code> : 'the rest'}</td>
                    <td>{String(st.batchSize ?? '100%')}</td>
                    <td>{st.minHealthySeconds ? `${st.minHealthySeconds} s` : '—'}</td>
                    <td>{String(st.maxFailures ?? 0)}</td>
                    <td>{st.requireApproval ? 'required' : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </>
  );
}
