/**
 * Pure rules of a fleet-wide preview (issue 18): the state of one cluster from what is known of
 * it, the fleet summary and its sentence, and the order clusters are shown in.
 */

/** What a preview shows for one cluster. */
export type PreviewClusterState = 'pending' | 'changes' | 'in-sync' | 'failed' | 'unknown';

/** Action of one object in an agent's answer (as the protocol's PreviewActionV1). */
export type PreviewAction = 'create' | 'change' | 'prune' | 'unchanged' | 'refused' | 'denied';

/** What the hub knows of one cluster's part. */
export interface PreviewPart {
  renderError: string | null;
  policyDenials: readonly { resource: string; reason: string }[];
  /** Why nothing was asked of the agent (e.g. "Disconnected"); null when a job was sent. */
  unknownReason: string | null;
  /** The agent's answer; null while none came. */
  answer: { outcome: 'completed' | 'failed'; message: string | null } | null;
  objects: readonly { action: PreviewAction }[];
}

/** Reason shown for a part whose agent did not answer in time. */
export const NO_ANSWER_REASON = 'no answer before the preview expired';

/** A cluster's state and the reason shown for it. */
export function previewClusterState(
  part: PreviewPart,
  expired: boolean,
): { state: PreviewClusterState; reason: string | null } {
  if (part.renderError !== null) return { state: 'failed', reason: `render failed: ${part.renderError}` };
  if (part.policyDenials.length)
    return {
      state: 'failed',
      reason: `denied by the project's rules: ${part.policyDenials.length} object${part.policyDenials.length === 1 ? '' : 's'}`,
    };
  if (part.unknownReason !== null) return { state: 'unknown', reason: part.unknownReason };
  if (part.answer === null)
    return expired ? { state: 'unknown', reason: NO_ANSWER_REASON } : { state: 'pending', reason: null };
  if (part.answer.outcome === 'failed')
    return { state: 'failed', reason: `preview failed: ${part.answer.message ?? 'no reason given'}` };
  const refused = part.objects.filter((o) => o.action === 'refused').length;
  const denied = part.objects.filter((o) => o.action === 'denied').length;
  if (refused || denied) {
    const why = [
      refused ? `${plural(refused, 'object')} refused by the API server's dry run` : '',
      denied ? `${plural(denied, 'object')} denied by the agent's guardrail or the project's rules` : '',
    ].filter(Boolean);
    return { state: 'failed', reason: why.join(', ') };
  }
  return part.objects.some((o) => o.action === 'create' || o.action === 'change' || o.action === 'prune')
    ? { state: 'changes', reason: null }
    : { state: 'in-sync', reason: null };
}

/** Counts and sentence of a preview. */
export interface PreviewSummary {
  clusters: number;
  changing: number;
  inSync: number;
  failing: number;
  unknown: number;
  pending: number;
  creates: number;
  changes: number;
  prunes: number;
  text: string;
}

/** The fleet summary of clusters whose state is known, e.g. "3 clusters change 5 objects, 1 fails". */
export function summarisePreview(
  clusters: readonly { state: PreviewClusterState; objects: readonly { action: PreviewAction }[] }[],
): PreviewSummary {
  const count = (s: PreviewClusterState) => clusters.filter((c) => c.state === s).length;
  const objects = (a: PreviewAction) =>
    clusters.reduce((n, c) => n + c.objects.filter((o) => o.action === a).length, 0);
  const s = {
    clusters: clusters.length,
    changing: count('changes'),
    inSync: count('in-sync'),
    failing: count('failed'),
    unknown: count('unknown'),
    pending: count('pending'),
    creates: objects('create'),
    changes: objects('change'),
    prunes: objects('prune'),
  };
  const changed = s.creates + s.changes + s.prunes;
  const parts = [
    s.changing
      ? `${plural(s.changing, 'cluster')} change${s.changing === 1 ? 's' : ''} ${plural(changed, 'object')}` +
        ` (${s.creates} to create, ${s.changes} to change, ${s.prunes} to prune)`
      : '',
    s.failing ? `${s.failing} fail${s.failing === 1 ? 's' : ''}` : '',
    s.unknown ? `${s.unknown} unknown` : '',
    s.pending ? `${s.pending} pending` : '',
    s.inSync ? `${s.inSync} in sync` : '',
  ].filter(Boolean);
  return { ...s, text: clusters.length === 0 ? 'no cluster is targeted' : parts.join(', ') };
}

const ORDER: Record<PreviewClusterState, number> = {
  failed: 0,
  changes: 1,
  unknown: 2,
  pending: 3,
  'in-sync': 4,
};

/** Failing, changing, unknown, pending, in-sync; then by name. */
export function comparePreviewClusters(
  a: { state: PreviewClusterState; clusterName: string },
  b: { state: PreviewClusterState; clusterName: string },
): number {
  return (
    ORDER[a.state] - ORDER[b.state] ||
    (a.clusterName < b.clusterName ? -1 : a.clusterName > b.clusterName ? 1 : 0)
  );
}

/** The preview's state: running while a part may still answer; expired when one never did. */
export function previewState(
  clusters: readonly { state: PreviewClusterState; reason: string | null }[],
  expired: boolean,
): 'running' | 'complete' | 'expired' {
  if (clusters.some((c) => c.state === 'pending')) return expired ? 'expired' : 'running';
  return clusters.some((c) => c.reason === NO_ANSWER_REASON) ? 'expired' : 'complete';
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
