import type * as Hub from '../../api-types/hub-api.js';
import { paint, renderTable, shortRevision, type Style } from '../output.js';

/** One object of a cluster's preview, as the agent's dry run found it. */
export interface PreviewObject {
  id: string;
  action: string;
  message?: string;
  changes?: { path: string; op: string; before?: unknown; after?: unknown }[];
  truncated?: boolean;
}

/** One cluster of a preview. */
export interface PreviewCluster {
  clusterName: string;
  state: string;
  reason: string | null;
  renderError: string | null;
  policyDenials: { resource: string; reason: string }[];
  objects: PreviewObject[];
}

/**
 * A fleet-wide preview as `GET /api/v1/previews/:id` returns it: the fields this view reads (the
 * generated `PreviewDto` is assignable to it, which the type check below holds the CLI to).
 */
export interface Preview {
  id: string;
  applicationName: string;
  revision: string | null;
  revisionDisplay: string | null;
  state: string;
  summary: { text: string; failing: number; pending: number };
  clusters: PreviewCluster[];
}

const STATE_STYLE: Record<string, Style> = {
  failed: 'red',
  changes: 'yellow',
  unknown: 'dim',
  pending: 'dim',
  'in-sync': 'green',
};
const SYMBOL: Record<string, string> = { create: '+', change: '~', prune: '-', refused: '!', denied: '!' };

/** How many of a cluster's objects each action touches (unchanged ones are not counted). */
function counts(c: PreviewCluster): { create: number; change: number; prune: number; refused: number } {
  const n = { create: 0, change: 0, prune: 0, refused: 0 };
  for (const o of c.objects) {
    if (o.action === 'create' || o.action === 'change' || o.action === 'prune') n[o.action]++;
    else if (o.action === 'refused' || o.action === 'denied') n.refused++;
  }
  return n;
}

/** A JSON value on one line, as short as it can be read. */
function value(v: unknown): string {
  return v === undefined ? '∅' : JSON.stringify(v);
}

/** The lines of one changed (or refused) object: a symbol, its id, then its field changes. */
function objectLines(o: PreviewObject): string[] {
  const head = `${SYMBOL[o.action] ?? ' '} ${o.action} ${o.id}${o.message ? `: ${o.message}` : ''}`;
  const fields = (o.changes ?? []).map((ch) =>
    ch.op === 'add'
      ? `    + ${ch.path} = ${value(ch.after)}`
      : ch.op === 'remove'
        ? `    - ${ch.path} (was ${value(ch.before)})`
        : `    ~ ${ch.path}: ${value(ch.before)} → ${value(ch.after)}`,
  );
  if (o.truncated) fields.push('    … more changes not shown');
  return [head, ...fields];
}

/** Why a cluster fails or is unknown, and what would change on it, without unchanged objects. */
function clusterDetail(c: PreviewCluster): string[] {
  const lines: string[] = [];
  if (c.renderError) lines.push(`render failed: ${c.renderError}`);
  for (const d of c.policyDenials) lines.push(`! denied ${d.resource}: ${d.reason}`);
  if (c.reason && !c.renderError) lines.push(c.reason);
  for (const o of c.objects) if (o.action !== 'unchanged') lines.push(...objectLines(o));
  return lines;
}

const interesting = (c: PreviewCluster) =>
  c.state === 'failed' || c.state === 'changes' || c.state === 'unknown';

/** `app diff` as text: the summary, a table of clusters, then each changing or failing cluster. */
export function renderPreviewText(p: Preview, color: boolean): string {
  const head = `${paint(p.applicationName, 'bold', color)} at ${p.revisionDisplay ?? shortRevision(p.revision) ?? '?'}: ${p.summary.text}\n\n`;
  const table = renderTable(
    [
      { header: 'CLUSTER', value: (c: PreviewCluster) => c.clusterName },
      { header: 'STATE', value: (c) => c.state, style: (text) => STATE_STYLE[text] },
      { header: 'CREATE', value: (c) => String(counts(c).create) },
      { header: 'CHANGE', value: (c) => String(counts(c).change) },
      { header: 'PRUNE', value: (c) => String(counts(c).prune) },
      { header: 'REASON', value: (c) => oneLine(c.reason ?? c.renderError ?? '') },
    ],
    p.clusters,
    color,
  );
  const blocks = p.clusters
    .filter(interesting)
    .map((c) => `\n${paint(c.clusterName, 'bold', color)} (${c.state})\n${indent(clusterDetail(c))}`);
  return head + table + blocks.join('');
}

/** Markdown cells hold no pipe and no line break. */
const cell = (s: string) => oneLine(s).replace(/\|/g, '\\|');
const oneLine = (s: string) => s.replace(/\s*\n\s*/g, ' ').slice(0, 300);
const indent = (lines: string[]) => lines.map((l) => `  ${l}\n`).join('');

/** The longest run of backticks in a text, so a fence around it is one longer. */
function fence(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  return '`'.repeat(longest + 1);
}

/**
 * `app diff -o markdown`: ready to paste as a pull-request comment — a heading, the summary, a
 * table of clusters and a folded block per changing or failing cluster with its field changes.
 */
export function renderPreviewMarkdown(p: Preview): string {
  const revision = p.revisionDisplay ?? p.revision ?? 'unknown revision';
  const out = [
    `### Flotilla preview: \`${p.applicationName}\` at \`${revision}\``,
    '',
    `**${p.summary.text}**${p.state !== 'complete' ? ` (preview ${p.state})` : ''}`,
    '',
    '| Cluster | State | Create | Change | Prune | Reason |',
    '| --- | --- | ---: | ---: | ---: | --- |',
    ...p.clusters.map((c) => {
      const n = counts(c);
      const mark = c.state === 'failed' ? '❌ ' : c.state === 'changes' ? '✏️ ' : '';
      return `| ${cell(c.clusterName)} | ${mark}${c.state} | ${n.create} | ${n.change} | ${n.prune} | ${cell(c.reason ?? c.renderError ?? '')} |`;
    }),
  ];
  for (const c of p.clusters.filter((x) => x.state === 'failed' || x.state === 'changes')) {
    const body = clusterDetail(c).join('\n');
    const f = fence(body);
    out.push(
      '',
      `<details><summary>${escapeHtml(c.clusterName)}: ${c.state}</summary>`,
      '',
      `${f}diff`,
      body,
      f,
      '',
      '</details>',
    );
  }
  return out.join('\n') + '\n';
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[ch]!);

/** The hub's answer, checked at compile time to stay readable as what this view expects. */
export type PreviewFromHub = Hub.PreviewDto;
type Holds<T extends true> = T;
/** Fails the type check when the generated `PreviewDto` no longer fits {@link Preview}. */
export type PreviewFits = Holds<Hub.PreviewDto extends Preview ? true : false>;
