/**
 * The reconcile of one application in one cluster (ARCHITECTURE.md §6): one function, phases in
 * order — fetch → parse → plan → dry-run → apply → prune → health → report. Nothing is written
 * before every object the server can judge has passed a dry-run, an unchanged object is never
 * written, and the inventory kept in-cluster is what the next prune trusts.
 */
import {
  InvalidSyncWaveError,
  isFoundationObject,
  planApplyWaves,
  syncWaveOf,
} from '../../domain/apply/apply-order.js';
import { isForceEnabled, withOwnership } from '../../domain/apply/flotilla-marks.js';
import {
  assertValidHooks,
  InvalidHookError,
  hooksFor,
  isLeftOutHook,
  splitHooks,
  waveIsGated,
  type LeftOut,
  type SplitBundle,
} from '../../domain/apply/sync-phases.js';
import { assessHealth } from '../../domain/health/health.js';
import type { CustomHealth } from '../../domain/health/custom-health.js';
import type { LiveObject } from '../../domain/health/health.types.js';
import { OPEN_POLICY, type ObjectPolicy } from '../../domain/object-policy.js';
import { parseCanonicalBundle } from '../../domain/render/canonical-bundle.js';
import type { HookResultV1, ResourceResultV1 } from '../../protocol/v1/agent-protocol.js';
import type { ClusterClient, ClusterError } from '../cluster/cluster-client.js';
import {
  applyObject,
  asClusterError,
  immutableHint,
  dryRunAll,
  idText,
  listOwned,
  waitEstablished,
} from './apply-steps.js';
import type { ApplierOptions, AppliedObject, ReconcileOutcome, ReconcileRequest } from './apply.types.js';
import { mapBounded } from './bounded.js';
import type { InventoryStore } from './inventory-store.js';
import { sameObject } from './object-compare.js';
import { pruneObjects, releaseObjects } from './prune.js';
import { findDeferred } from './deferred-dry-run.js';
import { failed, notDeleted, refusedBundle, summarise, withHooks } from './reconcile-outcomes.js';
import { unsealStep } from './unseal-step.js';
import { guardDeletions, refusedObjects, type ObjectGuard } from './object-guard.js';
import { runHooks, waitWaveHealthy, type HookTiming } from './sync-gate.js';
import { isSopsDocument } from '../../domain/secrets/sops-document.js';
import { decryptSopsObjects, scrubDecrypted, type SopsDecryptor } from '../secrets/sops.js';

const isCrd = (o: LiveObject) =>
  o.kind === 'CustomResourceDefinition' && o.apiVersion.startsWith('apiextensions.k8s.io/');

/** Applies bundles and removals to one cluster. Safe to share; callers serialise per application. */
export class Applier {
  private readonly concurrency: number;
  private readonly establishTimeoutMs: number;
  private readonly recreateTimeoutMs: number;
  private readonly guardrail: ObjectPolicy;
  private readonly healthTimeoutMs: number;
  private readonly sops: SopsDecryptor | undefined;

  constructor(
    private readonly client: ClusterClient,
    private readonly inventory: InventoryStore,
    options: ApplierOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 16;
    this.establishTimeoutMs = options.establishTimeoutMs ?? 30_000;
    this.recreateTimeoutMs = options.recreateTimeoutMs ?? 30_000;
    this.guardrail = options.guardrail ?? OPEN_POLICY;
    this.healthTimeoutMs = options.healthTimeoutMs ?? 300_000;
    this.sops = options.sops;
  }

  /** How hooks of a job run: timeouts, and the job's custom health checks to judge them by. */
  private hookTiming(req: ReconcileRequest): HookTiming {
    return {
      healthTimeoutMs: this.healthTimeoutMs,
      deleteTimeoutMs: this.recreateTimeoutMs,
      health: req.health,
    };
  }

  private guardOf(req: ReconcileRequest): ObjectGuard {
    return { guardrail: this.guardrail, policy: req.policy };
  }

  /** Runs one reconcile to the end; never throws for cluster or bundle problems. */
  async reconcile(req: ReconcileRequest): Promise<ReconcileOutcome> {
    try {
      return req.kind === 'remove' ? await this.remove(req) : await this.sync(req);
    } catch (e) {
      const error = asClusterError(e);
      return failed(
        error.message,
        error.retryable,
        [],
        (await this.inventory.load(req.applicationId).catch(() => null)) ?? [],
      );
    }
  }

  private async sync(req: ReconcileRequest): Promise<ReconcileOutcome> {
    const { applicationId } = req;
    // fetch: the bundle bytes (the caller caches them by digest)
    let bytes: Buffer;
    try {
      bytes = await req.fetchBundle();
    } catch (e) {
      // The hub or the network: the same job can succeed later.
      return failed(`fetching the bundle: ${(e as Error).message}`, true, [], []);
    }

    // parse: canonical JSON lines → objects
    let parsed: LiveObject[];
    try {
      parsed = parseCanonicalBundle(bytes);
    } catch (e) {
      return failed(`bundle: ${(e as Error).message}`, false, [], []);
    }

    // hook annotations checked first (they are in clear in a SOPS object too)
    try {
      assertValidHooks(parsed);
    } catch (e) {
      if (!(e instanceof InvalidHookError)) throw e;
      const resources = e.objects.map((o) => ({ id: o.id, action: 'failed' as const, message: o.message }));
      return failed(e.message, false, resources, []);
    }

    // guard: the guardrail and the job's rules, on the objects as rendered (a SOPS Secret still
    // encrypted, so not a plain one); one refused object (hook or not) and nothing is applied.
    // Helm hooks left out (delete, rollback, test) are never written, so not judged.
    const written = parsed.filter((o) => !isLeftOutHook(o));
    const refusals = await refusedObjects(this.client, this.guardOf(req), written, this.concurrency);
    if (refusals.length > 0) return refusedBundle(written, refusals);

    // decrypt: SOPS objects become their plaintext here, in memory only; one that cannot be, and nothing is applied
    const sops = await decryptSopsObjects(this.sops, parsed);
    if ('outcome' in sops) return sops.outcome;

    // unseal: sealed secrets become Secrets (judged by the guardrail again); one that cannot be
    // decrypted and nothing is applied. A SealedSecret was judged above as declared.
    let clear = sops.objects;
    if (req.unseal) {
      const step = await unsealStep(this.client, this.guardrail, req.unseal, clear, this.concurrency);
      if ('outcome' in step) return step.outcome;
      clear = step.bundle;
    }

    // each object marked as owned by the application; hooks apart (checked above)
    const split: SplitBundle<LiveObject> = splitHooks(
      clear.map((o) => withOwnership(o, applicationId, req.applicationName)),
    );

    // Every failure from here on runs the SyncFail hooks; the report lists each hook run, and
    // each hook left out or not run by this sync (as a skipped resource, with why).
    const hooks: HookResultV1[] = [];
    const leftOut: LeftOut<LiveObject>[] = [...split.dropped];
    const outcome = await this.applyBundle(req, split, hooks, leftOut);
    const syncFail = split.hooks.SyncFail.map((h) => h.object);
    if (outcome.outcome === 'failed' && syncFail.length > 0) {
      const run = await runHooks(this.client, 'SyncFail', syncFail, this.hookTiming(req));
      hooks.push(...run.results);
    }
    const done = withHooks(outcome, hooks, leftOut);
    // decrypted values stay out of messages too (the agent's later scrub sees only ciphertext)
    return parsed.some((o) => isSopsDocument(o)) ? scrubDecrypted(done, sops.objects) : done;
  }

  /** plan → dry-run → PreSync → apply (health-gated waves) → prune → PostSync. */
  private async applyBundle(
    req: ReconcileRequest,
    split: SplitBundle<LiveObject>,
    hooks: HookResultV1[],
    leftOut: LeftOut<LiveObject>[],
  ): Promise<ReconcileOutcome> {
    const { applicationId } = req;
    const desired = split.objects;
    const hookIds = new Set([
      ...Object.values(split.hooks)
        .flat()
        .map((h) => idText(h.object)),
      ...split.dropped.map((d) => idText(d.object)),
    ]);

    // plan: waves (Namespaces and CRDs, then sync waves in kind order), previous inventory, owned live objects
    let waves: LiveObject[][];
    try {
      waves = planApplyWaves(desired);
    } catch (e) {
      if (!(e instanceof InvalidSyncWaveError)) throw e;
      const resources = e.objects.map((o) => ({ id: o.id, action: 'failed' as const, message: e.message }));
      return failed(e.message, false, resources, []);
    }
    // An agent denied its own namespace still dry-runs the bundle, so the report names every
    // object it may not write too; it applies nothing without an inventory to record them in.
    let previous: string[] = [];
    let inventoryError: ClusterError | null = null;
    // No inventory yet: the application's first sync here, a Helm install (helm-hooks.ts).
    let installing = false;
    try {
      const loaded = await this.inventory.load(applicationId);
      installing = loaded === null;
      previous = loaded ?? [];
    } catch (e) {
      inventoryError = asClusterError(e);
      if (inventoryError.kind !== 'forbidden') throw e;
    }
    const owned = await listOwned(this.client, desired, applicationId);
    const deferred = await findDeferred(this.client, desired, owned);

    // dry-run: every object the server can judge now (see deferred-dry-run.ts); one failure applies nothing
    const now = desired.filter((o) => !deferred.has(idText(o)));
    const checks = await dryRunAll(this.client, now, this.concurrency);
    const results = new Map<string, ResourceResultV1>();
    const dryRun = new Map<string, LiveObject>();
    const dryRunErrors: { id: string; error: ClusterError }[] = [];
    const recreate = new Set<string>();
    now.forEach((obj, i) => {
      const check = checks[i];
      if (check.ok) dryRun.set(idText(obj), check.object);
      // Only a delete can change an immutable field: the object is recreated in its wave.
      else if (check.error.kind === 'immutable' && (req.force || isForceEnabled(obj)))
        recreate.add(idText(obj));
      else dryRunErrors.push({ id: idText(obj), error: check.error });
    });
    if (dryRunErrors.length > 0) {
      for (const { id, error } of dryRunErrors)
        results.set(id, {
          id,
          action: 'failed',
          message: error.kind === 'immutable' ? immutableHint(error) : error.message,
        });
      for (const obj of desired)
        if (!results.has(idText(obj)))
          results.set(idText(obj), {
            id: idText(obj),
            action: 'skipped',
            message: 'not applied: the dry-run of other objects failed',
          });
      return failed(
        summarise('dry-run failed, nothing applied', dryRunErrors),
        dryRunErrors.every((f) => f.error.retryable),
        [...results.values()],
        previous,
      );
    }
    if (inventoryError) {
      const resources = desired.map((o) => ({
        id: idText(o),
        action: 'skipped' as const,
        message: 'not applied: the agent cannot read its inventory',
      }));
      return failed(`inventory: ${inventoryError.message}`, false, resources, []);
    }

    // PreSync: hooks run (and must succeed) once the bundle passed its dry-run, before any write
    const run = hooksFor(split, installing ? 'install' : 'upgrade');
    leftOut.push(...run.skipped);
    if (run.hooks.PreSync.length > 0) {
      const pre = await runHooks(this.client, 'PreSync', run.hooks.PreSync, this.hookTiming(req));
      hooks.push(...pre.results);
      if (!pre.ok) {
        const hook = pre.results.at(-1)!;
        const resources = desired.map((o) => ({
          id: idText(o),
          action: 'skipped' as const,
          message: `not applied: PreSync hook ${hook.resource} failed`,
        }));
        return failed(`PreSync hook ${hook.resource} failed: ${hook.message}`, false, resources, previous);
      }
    }

    // apply: wave by wave with bounded parallelism; unchanged objects are skipped, CRDs awaited,
    // and a gated wave must be Current before the next one (sync-phases.ts says which are gated)
    const applied: AppliedObject[] = [];
    const errors: { id: string; error: ClusterError }[] = [];
    let unhealthy: string | null = null;
    for (const [index, wave] of waves.entries()) {
      if (errors.length > 0 || unhealthy) {
        for (const obj of wave)
          results.set(idText(obj), {
            id: idText(obj),
            action: 'skipped',
            message: 'not applied: an earlier wave failed or did not become healthy',
          });
        continue;
      }
      await mapBounded(wave, this.concurrency, async (obj) => {
        const id = idText(obj);
        let preview = dryRun.get(id);
        if (!preview && !recreate.has(id)) {
          // A deferred object: its namespace or CRD exists now, so the server can judge it.
          const [check] = await dryRunAll(this.client, [obj], 1);
          if (!check.ok) {
            errors.push({ id, error: check.error });
            return void results.set(id, { id, action: 'failed', message: check.error.message });
          }
          preview = check.object;
        }
        const live = owned.get(id);
        if (live && preview && sameObject(preview, live)) {
          applied.push({ id, desired: obj, live });
          return void results.set(id, { id, action: 'unchanged' });
        }
        const done = await applyObject(this.client, obj, req.force, this.recreateTimeoutMs);
        if (done.error) errors.push({ id, error: done.error });
        if (done.live) applied.push({ id, desired: obj, live: done.live });
        results.set(id, { id, action: done.action, ...(done.message ? { message: done.message } : {}) });
      });
      const crds = wave.filter(isCrd);
      if (crds.length > 0 && errors.length === 0) {
        try {
          await waitEstablished(this.client, crds, this.establishTimeoutMs);
        } catch (e) {
          errors.push({ id: idText(crds[0]), error: asClusterError(e) });
        }
      }
      const foundation = index === 0 && wave.some(isFoundationObject);
      const gated = waveIsGated(index, waves.length, foundation, run.hooks.PostSync.length > 0);
      if (errors.length === 0 && gated) {
        const wait = await waitWaveHealthy(this.client, wave, this.healthTimeoutMs, req.health);
        // The report's health is the one the decision was made on, not the apply's answer.
        for (const a of applied) a.live = wait.live.get(a.id) ?? a.live;
        if (!wait.ok) unhealthy = `sync wave ${syncWaveOf(wave[0])} not healthy: ${wait.reason}`;
      }
    }
    // Plan order: what the report lists first is what was applied first.
    const desiredIds = waves.flat().map(idText);
    if (errors.length > 0 || unhealthy) {
      // Keep everything that may now exist in the inventory, so a later prune can find it —
      // including objects whose write got no answer (the server may have stored it).
      const unanswered = errors.filter((f) => f.error.kind === 'unavailable').map((f) => f.id);
      const inventory = [...new Set([...previous, ...applied.map((a) => a.id), ...unanswered])].sort();
      let note = '';
      try {
        await this.inventory.save(applicationId, req.applicationName, inventory);
      } catch (e) {
        // The server that refused the objects may refuse this too: the per-object report matters more.
        note = `; inventory not saved: ${asClusterError(e).message}`;
      }
      return {
        ...failed(
          (errors.length > 0 ? summarise('apply failed', errors) : unhealthy!) + note,
          // A wave that did not become healthy is not retried: another wait would end the same way.
          errors.length > 0 && errors.every((f) => f.error.retryable),
          this.ordered(desiredIds, results, applied, req.health),
          inventory,
        ),
        applied,
      };
    }

    // prune: previous inventory minus the bundle, ownership-checked, in reverse apply order
    // A hook is never pruned as an ordinary object, even if it was one before.
    const removed = previous.filter((id) => !desiredIds.includes(id) && !hookIds.has(id));
    let remaining = removed;
    const pruneErrors: ClusterError[] = [];
    if (req.prune && removed.length > 0) {
      // objects outside the guard stay where they are (and in the inventory)
      const guarded = await guardDeletions(this.client, this.guardOf(req), removed);
      for (const r of guarded.refused) results.set(r.resource, notDeleted(r));
      const pruned = await pruneObjects(this.client, guarded.allowed, applicationId, this.concurrency);
      for (const r of pruned.resources) results.set(r.id, r);
      remaining = [...pruned.remaining, ...guarded.refused.map((r) => r.resource)];
      pruneErrors.push(...pruned.errors);
    }

    // health: kstatus verdict of each object as the server returned it after apply
    const resources = this.ordered([...desiredIds, ...removed], results, applied, req.health);

    // report: the inventory kept in-cluster (written only when it changed) and the outcome
    const inventory = [...new Set([...desiredIds, ...remaining])].sort();
    await this.inventory.save(applicationId, req.applicationName, inventory);
    if (pruneErrors.length > 0)
      return {
        outcome: 'failed',
        retryable: pruneErrors.every((e) => e.retryable),
        message: `prune failed: ${pruneErrors.map((e) => e.message).join('; ')}`,
        resources,
        inventory,
        applied,
      };
    // PostSync: every wave was gated, so everything is Current when these run
    if (run.hooks.PostSync.length > 0) {
      const post = await runHooks(this.client, 'PostSync', run.hooks.PostSync, this.hookTiming(req));
      hooks.push(...post.results);
      if (!post.ok) {
        const hook = post.results.at(-1)!;
        const message = `PostSync hook ${hook.resource} failed: ${hook.message}`;
        return { outcome: 'failed', retryable: false, message, resources, inventory, applied };
      }
    }
    return { outcome: 'succeeded', retryable: false, resources, inventory, applied };
  }

  /** Results in the given id order, with health for every object we hold a live copy of. */
  private ordered(
    ids: readonly string[],
    results: Map<string, ResourceResultV1>,
    applied: readonly AppliedObject[],
    health: CustomHealth | undefined,
  ): ResourceResultV1[] {
    const live = new Map(applied.map((a) => [a.id, a.live]));
    return ids
      .filter((id) => results.has(id))
      .map((id) => {
        const result = results.get(id)!;
        const obj = live.get(id);
        if (!obj) return result;
        const verdict = assessHealth(obj, health);
        return { ...result, health: verdict.status, healthMessage: verdict.message };
      });
  }

  /** A removal: delete everything owned (prune) or strip our marks and leave it (no prune). */
  private async remove(req: ReconcileRequest): Promise<ReconcileOutcome> {
    const all = (await this.inventory.load(req.applicationId)) ?? [];
    // objects outside the guard are neither deleted nor touched: they are no longer ours to change
    const guarded = await guardDeletions(this.client, this.guardOf(req), all);
    const ids = guarded.allowed;
    const done = req.prune
      ? await pruneObjects(this.client, ids, req.applicationId, this.concurrency)
      : await releaseObjects(this.client, ids, req.applicationId, this.concurrency);
    done.resources.push(...guarded.refused.map(notDeleted));
    if (done.errors.length > 0) {
      await this.inventory.save(req.applicationId, req.applicationName, done.remaining);
      return failed(
        `removal failed: ${done.errors.map((e) => e.message).join('; ')}`,
        done.errors.every((e) => e.retryable),
        done.resources,
        done.remaining,
      );
    }
    await this.inventory.remove(req.applicationId);
    return { outcome: 'succeeded', retryable: false, resources: done.resources, inventory: [], applied: [] };
  }
}
