/**
 * A preview job (issue 18): what would a sync of this bundle do to this cluster? The front half
 * is a sync's — fetch, parse, hook validation, guardrail and job policy, SOPS decryption and
 * unsealing — so the dry run sees exactly what a sync would send; the back half dry-runs each
 * object and compares the server's answer with live (preview-objects.ts), and lists what a prune
 * would delete.
 *
 * It writes nothing: every request is a read (get, list, discovery) or a server-side apply with
 * `dryRun=All`; the inventory is only loaded; the bundle is not stored; sealed-secret values are
 * not remembered. Secret values stay in memory: the answer carries `(redacted)` in their place,
 * and every message has the bundle's secret values cut out.
 */
import { planApplyWaves, InvalidSyncWaveError } from '../../domain/apply/apply-order.js';
import { withOwnership } from '../../domain/apply/flotilla-marks.js';
import { redactedValuesOf, scrubValues } from '../../domain/apply/redaction.js';
import {
  assertValidHooks,
  HOOK_PHASES,
  hooksFor,
  InvalidHookError,
  isLeftOutHook,
  splitHooks,
} from '../../domain/apply/sync-phases.js';
import type { LiveObject } from '../../domain/health/health.types.js';
import type { ObjectPolicy } from '../../domain/object-policy.js';
import { fitToBudget } from '../../domain/preview/answer-budget.js';
import { parseCanonicalBundle } from '../../domain/render/canonical-bundle.js';
import {
  MAX_PREVIEW_OBJECTS_V1,
  type PreviewJobV1,
  type PreviewObjectV1,
  type PreviewResultV1,
} from '../../protocol/v1/agent-protocol.js';
import type { ClusterClient } from '../cluster/cluster-client.js';
import { asClusterError, idText } from '../apply/apply-steps.js';
import type { InventoryStore } from '../apply/inventory-store.js';
import { refusedObjects } from '../apply/object-guard.js';
import type { UnsealOutcome } from '../sealing/unsealer.js';
import { decryptSopsObjects, type SopsDecryptor } from '../secrets/sops.js';
import { previewObjects } from './preview-objects.js';
import { previewPrune } from './preview-prune.js';

/** What a preview reads the cluster with; nothing here can write. */
export interface PreviewDeps {
  client: ClusterClient;
  /** Only `load` is ever called: a preview leaves the inventory as it is. */
  inventory: Pick<InventoryStore, 'load'>;
  guardrail: ObjectPolicy;
  sops?: SopsDecryptor;
  /** Unseals without remembering the values (a sync's scrub list is not a preview's business). */
  unseal?: (objects: LiveObject[]) => Promise<UnsealOutcome>;
  concurrency: number;
}

/** The hub takes JSON bodies up to 8 MiB: an answer stays well under it (answer-budget.ts). */
const MAX_ANSWER_CHARS = 6_000_000;

/** Messages are for people: long API-server answers are cut (shorter per object: 5000 of them fit). */
const MAX_MESSAGE_CHARS = 4000;
const MAX_OBJECT_MESSAGE_CHARS = 1000;

/** The answer without its reportId (the caller derives it from the job). */
export type PreviewAnswer = Omit<PreviewResultV1, 'reportId'>;

const failedPreview = (message: string): PreviewAnswer => ({
  outcome: 'failed',
  message: message.slice(0, MAX_MESSAGE_CHARS),
  objects: [],
});

/**
 * Runs one preview to its answer; never throws for cluster or bundle problems (an API server
 * that does not answer makes the whole preview `failed`, saying why).
 */
export async function runPreview(
  deps: PreviewDeps,
  job: PreviewJobV1,
  fetchBundle: () => Promise<Buffer>,
): Promise<PreviewAnswer> {
  let bytes: Buffer;
  try {
    bytes = await fetchBundle();
  } catch (e) {
    return failedPreview(`fetching the bundle: ${(e as Error).message}`);
  }
  let parsed: LiveObject[];
  try {
    parsed = parseCanonicalBundle(bytes);
  } catch (e) {
    return failedPreview(`bundle: ${(e as Error).message}`);
  }
  // Secret values as the bundle holds them; decrypted ones are added once known.
  let secrets = redactedValuesOf(parsed);
  try {
    const answer = await previewParsed(deps, job, parsed, (values) => {
      secrets = [...new Set([...secrets, ...values])].sort((a, b) => b.length - a.length);
    });
    const scrubbed = scrubAnswer(answer, secrets);
    return { ...scrubbed, objects: fitToBudget(scrubbed.objects, MAX_ANSWER_CHARS) };
  } catch (e) {
    return scrubAnswer(failedPreview(`preview: ${asClusterError(e).message}`), secrets);
  }
}

async function previewParsed(
  deps: PreviewDeps,
  job: PreviewJobV1,
  parsed: LiveObject[],
  moreSecrets: (values: string[]) => void,
): Promise<PreviewAnswer> {
  const { client, concurrency } = deps;
  try {
    assertValidHooks(parsed);
  } catch (e) {
    if (e instanceof InvalidHookError) return failedPreview(e.message);
    throw e;
  }

  // guard: as a sync, on the objects as rendered; refused objects are `denied` and never sent
  // to the API server, the others are still previewed so the answer is complete.
  const written = parsed.filter((o) => !isLeftOutHook(o));
  const guard = { guardrail: deps.guardrail, policy: job.policy };
  const refusals = await refusedObjects(client, guard, written, concurrency);
  const denied = new Set(refusals.map((r) => r.resource));
  const allowed = written.filter((o) => !denied.has(idText(o)));

  // decrypt and unseal, in memory, so the dry run sees what a sync would send; what SOPS
  // decrypted outside a Secret's values is listed in the object's redact annotation (sops.ts)
  const sops = await decryptSopsObjects(deps.sops, allowed);
  if ('outcome' in sops)
    return failedPreview((sops.outcome.message ?? 'SOPS').replace(/^nothing applied: /, ''));
  moreSecrets(redactedValuesOf(sops.objects));
  let clear = sops.objects;
  if (deps.unseal) {
    const out = await deps.unseal(clear);
    moreSecrets(out.values);
    if (out.failures.length > 0)
      return failedPreview(`sealed secrets: ${out.failures.map((f) => `${f.id}: ${f.message}`).join('; ')}`);
    // the Secrets made are judged by the guardrail again, as in a sync (unseal-step.ts)
    const made = out.objects.filter((o) => !clear.includes(o));
    const secretRefusals = await refusedObjects(client, { guardrail: deps.guardrail }, made, concurrency);
    for (const r of secretRefusals) denied.add(r.resource);
    refusals.push(...secretRefusals);
    clear = out.objects.filter((o) => !denied.has(idText(o)));
    moreSecrets(redactedValuesOf(clear));
  }

  // An application not created yet has no id: the job's stands in for the ownership label
  // (a preview only, nothing is written with it).
  const applicationId = job.applicationId ?? job.id;
  const split = splitHooks(clear.map((o) => withOwnership(o, applicationId, job.applicationName)));
  let order: LiveObject[];
  try {
    order = planApplyWaves(split.objects).flat();
  } catch (e) {
    if (e instanceof InvalidSyncWaveError) return failedPreview(e.message);
    throw e;
  }

  const previous = job.applicationId ? await deps.inventory.load(job.applicationId) : null;
  const objects: PreviewObjectV1[] = refusals.map((r) => ({
    id: r.resource,
    action: 'denied' as const,
    message: `refused by policy (rule ${r.rule}): ${r.message}`,
  }));
  objects.push(
    ...(await previewObjects(client, order, {
      applicationId: job.applicationId,
      ignoreDifferences: job.ignoreDifferences,
      force: job.force,
      concurrency,
    })),
  );

  // hooks: listed, never dry-run (a Job would be judged twice, and a hook's run is not a diff)
  const run = hooksFor(split, previous === null ? 'install' : 'upgrade');
  for (const phase of HOOK_PHASES)
    for (const hook of run.hooks[phase])
      objects.push({ id: idText(hook), action: 'create', message: `hook (runs at ${phase})` });

  if (job.prune && job.applicationId && previous) {
    const hookIds = [
      ...HOOK_PHASES.flatMap((p) => split.hooks[p].map((h) => idText(h.object))),
      ...split.dropped.map((d) => idText(d.object)),
    ];
    const keep = new Set([...order.map(idText), ...hookIds, ...denied]);
    const removed = previous.filter((id) => !keep.has(id));
    objects.push(...(await previewPrune(client, guard, removed, job.applicationId, concurrency)));
  }

  if (objects.length > MAX_PREVIEW_OBJECTS_V1)
    return {
      outcome: 'completed',
      message: `${objects.length} objects: only the first ${MAX_PREVIEW_OBJECTS_V1} are listed`,
      objects: objects.slice(0, MAX_PREVIEW_OBJECTS_V1),
    };
  return { outcome: 'completed', objects };
}

/** The answer with secret values cut out of every message (an API server may quote them). */
function scrubAnswer(answer: PreviewAnswer, values: readonly string[]): PreviewAnswer {
  const scrub = (m: string, max: number) => scrubValues(m, values).slice(0, max);
  return {
    ...answer,
    ...(answer.message !== undefined ? { message: scrub(answer.message, MAX_MESSAGE_CHARS) } : {}),
    objects: answer.objects.map((o) =>
      o.message !== undefined ? { ...o, message: scrub(o.message, MAX_OBJECT_MESSAGE_CHARS) } : o,
    ),
  };
}
