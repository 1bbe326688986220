import { useState, type FormEvent } from 'react';
import { useRole } from '../App';
import { api, ApiError, enc, type HealthCheck, type HealthCheckRule, type HealthVerdict } from '../api';
import { Badge, ErrorBox, errorText, stateClass, useData } from '../util';

/** One problem of a refused rule, as the hub's 400 lists them. */
interface Problem {
  field: string;
  message: string;
  position?: { offset: number; line: number; column: number };
}

const EXPRESSIONS = [
  ['inProgress', 'In progress (tried first)'],
  ['failed', 'Failed (tried second)'],
  ['current', 'Current (required)'],
] as const;

type Draft = {
  id: string | null;
  group: string;
  kind: string;
  current: string;
  inProgress: string;
  failed: string;
};
const EMPTY: Draft = { id: null, group: '', kind: '', current: '', inProgress: '', failed: '' };

/** `cert-manager.io/Certificate`, `core/Pod` for the core group. */
export const kindName = (r: { group: string; kind: string }) => `${r.group || 'core'}/${r.kind}`;

/** The rule a draft stands for: empty optional expressions left out. */
function ruleOf(d: Draft): HealthCheckRule {
  return {
    group: d.group.trim(),
    kind: d.kind.trim(),
    current: d.current,
    ...(d.inProgress.trim() ? { inProgress: d.inProgress } : {}),
    ...(d.failed.trim() ? { failed: d.failed } : {}),
  };
}

function problemsOf(e: unknown): Problem[] {
  if (!(e instanceof ApiError) || e.status !== 400) return [];
  const body = e.body as { problems?: Problem[] } | null;
  return Array.isArray(body?.problems) ? body.problems : [];
}

/** The expression's line with a caret under the problem's column. */
function Marker({ text, problem }: { text: string; problem: Problem }) {
  if (!problem.position) return null;
  const line = text.split('\n')[problem.position.line - 1] ?? '';
  return (
    <pre className="cel-marker" aria-hidden="true">
      {line}
      {'\n'}
      {' '.repeat(Math.max(0, problem.position.column - 1))}^
    </pre>
  );
}

function FieldProblems({ field, text, problems }: { field: string; text: string; problems: Problem[] }) {
  const mine = problems.filter((p) => p.field === field);
  if (!mine.length) return null;
  return (
    <div className="field-problems" id={`${field}-problems`} data-testid={`${field}-problems`}>
      {mine.map((p, i) => (
        <div key={i}>
          <p className="error" role="alert">
            {p.message}
            {p.position && ` (line ${p.position.line}, column ${p.position.column})`}
          </p>
          <Marker text={text} problem={p} />
        </div>
      ))}
    </div>
  );
}

/** Parses a pasted object: JSON, else YAML (its parser loaded only then). */
async function parseObject(text: string): Promise<Record<string, unknown>> {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    const { parse } = await import('yaml');
    return parse(text) as Record<string, unknown>;
  }
}

/** A rule's form (admins) and the "try it" box (everyone): what an agent would say of an object. */
function RuleForm({
  draft,
  admin,
  onSaved,
}: {
  draft: Draft;
  admin: boolean;
  onSaved: (notice: string) => void;
}) {
  const [d, setD] = useState<Draft>(draft);
  const [problems, setProblems] = useState<Problem[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [object, setObject] = useState('');
  const [verdict, setVerdict] = useState<HealthVerdict | null>(null);
  const set = (k: keyof Draft) => (e: { target: { value: string } }) => setD({ ...d, [k]: e.target.value });
  const failed = (e: unknown) => {
    setProblems(problemsOf(e));
    setError(problemsOf(e).length ? null : errorText(e));
  };
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setProblems([]);
    setError(null);
    try {
      const saved = d.id
        ? await api<HealthCheck>('PUT', `/api/v1/health-checks/${enc(d.id)}`, { body: ruleOf(d) })
        : await api<HealthCheck>('POST', '/api/v1/health-checks', { body: ruleOf(d) });
      onSaved(`Health check for ${kindName(saved)} saved`);
    } catch (err) {
      failed(err);
    }
  };
  const tryIt = async () => {
    setProblems([]);
    setError(null);
    setVerdict(null);
    try {
      const body = { rule: ruleOf(d), object: await parseObject(object) };
      setVerdict(await api<HealthVerdict>('POST', '/api/v1/health-checks/evaluate', { body }));
    } catch (err) {
      failed(err);
    }
  };
  return (
    <form onSubmit={(e) => void save(e)} aria-labelledby="rule-form-title" className="rule-form">
      <h2 id="rule-form-title">{d.id ? `Edit ${kindName(d)}` : admin ? 'New health check' : 'Try a rule'}</h2>
      <label htmlFor="hc-group">Group (empty for the core group)</label>
      <input id="hc-group" value={d.group} onChange={set('group')} placeholder="cert-manager.io" />
      <FieldProblems field="group" text={d.group} problems={problems} />
      <label htmlFor="hc-kind">Kind</label>
      <input id="hc-kind" value={d.kind} onChange={set('kind')} placeholder="Certificate" required />
      <FieldProblems field="kind" text={d.kind} problems={problems} />
      {EXPRESSIONS.map(([field, label]) => (
        <div key={field}>
          <label htmlFor={`hc-${field}`}>{label}</label>
          <textarea
            id={`hc-${field}`}
            className="cel-input"
            rows={2}
            value={d[field]}
            onChange={set(field)}
            aria-describedby={problems.some((p) => p.field === field) ? `${field}-problems` : undefined}
            placeholder={field === 'current' ? 'status.?phase.orValue("") == "Ready"' : ''}
          />
          <FieldProblems field={field} text={d[field]} problems={problems} />
        </div>
      ))}
      <label htmlFor="hc-object">Try it on an object (JSON or YAML, as kubectl get prints it)</label>
      <textarea
        id="hc-object"
        className="cel-input"
        rows={6}
        value={object}
        onChange={(e) => setObject(e.target.value)}
      />
      <div className="actions">
        <button type="button" className="secondary" onClick={() => void tryIt()} disabled={!object.trim()}>
          Try it
        </button>
        {admin && <button type="submit">Save</button>}
      </div>
      {verdict && (
        <p data-testid="verdict" role="status">
          <Badge value={verdict.status} kind={stateClass(undefined, verdict.status)} /> {verdict.message}
          {!verdict.matched && ' (the rule is for another kind: built-in rules judged this object)'}
        </p>
      )}
      <ErrorBox error={error} />
    </form>
  );
}

/** The hub's custom health checks: CEL rules per kind that agents judge objects by. */
export function HealthChecksPage() {
  const admin = useRole() === 'admin';
  const { data, error, reload } = useData(
    () => api<{ items: HealthCheck[] }>('GET', '/api/v1/health-checks'),
    [],
  );
  const [editing, setEditing] = useState<Draft>(EMPTY);
  const [formKey, setFormKey] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const edit = (d: Draft) => {
    setEditing(d);
    setFormKey((k) => k + 1);
  };
  const saved = (n: string) => {
    setNotice(n);
    edit(EMPTY);
    reload();
  };
  const remove = async (h: HealthCheck) => {
    setActionError(null);
    try {
      await api('DELETE', `/api/v1/health-checks/${enc(h.id)}`);
      saved(`Health check for ${kindName(h)} deleted`);
    } catch (e) {
      setActionError(errorText(e));
    }
  };
  return (
    <section aria-labelledby="health-checks-title">
      <h1 id="health-checks-title">Health checks</h1>
      <p className="meta">
        CEL rules that judge the objects of one kind instead of the built-in rules: in progress, then failed,
        then current; none true is in progress. Agents get them with each application&apos;s next job; an
        application&apos;s own rule for a kind wins.
      </p>
      <ErrorBox error={error ?? actionError} />
      {notice && (
        <p role="status" className="notice">
          {notice}
        </p>
      )}
      {!data && !error && <p className="loading">Loading…</p>}
      {data && data.items.length === 0 && <p>No health checks: the built-in rules judge every kind.</p>}
      {data && data.items.length > 0 && (
        <div className="table-wrap">
          <table data-testid="health-checks">
            <thead>
              <tr>
                <th>Kind</th>
                <th>In progress</th>
                <th>Failed</th>
                <th>Current</th>
                {admin && <th>Actions</th>}
              </tr>
            </thead>
            <tbody>
              {data.items.map((h) => (
                <tr key={h.id} data-kind={kindName(h)}>
                  <td>{kindName(h)}</td>
                  <td>
                    <code>{h.inProgress ?? '—'}</code>
                  </td>
                  <td>
                    <code>{h.failed ?? '—'}</code>
                  </td>
                  <td>
                    <code>{h.current}</code>
                  </td>
                  {admin && (
                    <td>
                      <div className="actions" role="group" aria-label={`Actions on ${kindName(h)}`}>
                        <button
                          type="button"
                          className="secondary"
                          onClick={() =>
                            edit({ ...h, inProgress: h.inProgress ?? '', failed: h.failed ?? '' })
                          }
                        >
                          Edit
                        </button>
                        <button type="button" className="danger" onClick={() => void remove(h)}>
                          Delete
                        </button>
                      </div>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <RuleForm key={formKey} draft={editing} admin={admin} onSaved={saved} />
    </section>
  );
}
