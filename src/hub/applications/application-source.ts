import { createHash } from 'node:crypto';
import { canonicalJson } from '../../domain/canonical-json.js';
import { InvalidInputError } from '../../domain/errors.js';
import {
  type ApplicationSource,
  relativePathProblem,
  sourceProblems,
} from '../../domain/render/source-spec.js';
import { type ApplicationTarget } from './application.entity.js';

/**
 * The most inline Helm values one source or one target may carry, as canonical JSON bytes: values
 * are stored in the application row, copied into every render and hashed into cache keys, so a
 * megabyte pasted by mistake would cost on every reconcile.
 */
export const MAX_INLINE_VALUES_BYTES = 64 * 1024;

function valuesProblem(values: unknown, field: string): string | undefined {
  if (values === undefined) return undefined;
  const bytes = Buffer.byteLength(canonicalJson(values), 'utf8');
  return bytes > MAX_INLINE_VALUES_BYTES
    ? `${field} is ${bytes} bytes as canonical JSON, more than the ${MAX_INLINE_VALUES_BYTES} allowed`
    : undefined;
}

/**
 * Problems with an application's source and its targets' Helm options, each naming its field
 * (`source.helm.valuesFiles[0] must not contain ".." segments`); empty when valid. Target Helm
 * options are refused when the source is explicitly not Helm (with a detected source they wait
 * for the files to tell).
 */
export function applicationSourceProblems(
  source: ApplicationSource | null,
  targets: readonly Pick<ApplicationTarget, 'helm'>[],
): string[] {
  const problems = source === null ? [] : sourceProblems(source);
  const own = valuesProblem(source?.helm?.values, 'source.helm.values');
  if (own) problems.push(own);
  for (const [t, target] of targets.entries()) {
    const helm = target.helm;
    if (helm === undefined) continue;
    const field = `targets[${t}].helm`;
    if (source !== null && source.kind !== 'helm') {
      problems.push(`${field} is only allowed when the source is helm (or detected)`);
      continue;
    }
    for (const [i, file] of (helm.valuesFiles ?? []).entries()) {
      const problem = relativePathProblem(file);
      if (problem) problems.push(`${field}.valuesFiles[${i}] ${problem}`);
    }
    const size = valuesProblem(helm.values, `${field}.values`);
    if (size) problems.push(size);
  }
  return problems;
}

/** Throws a 400 listing every problem of {@link applicationSourceProblems}, if any. */
export function assertValidSource(
  source: ApplicationSource | null,
  targets: readonly Pick<ApplicationTarget, 'helm'>[],
): void {
  const problems = applicationSourceProblems(source, targets);
  if (problems.length) throw new InvalidInputError(problems.join('; '), { problems });
}

/**
 * The source as stored: only the known members, so the row holds exactly what the API documents
 * (class-validator strips unknown keys of the DTOs, but not of a plain object built elsewhere).
 */
export function storedSource(source: ApplicationSource | null | undefined): ApplicationSource | null {
  if (source === null || source === undefined) return null;
  const out: ApplicationSource = { kind: source.kind };
  if (source.helm !== undefined) {
    const { releaseName, valuesFiles, values } = source.helm;
    out.helm = {
      ...(releaseName !== undefined ? { releaseName } : {}),
      ...(valuesFiles !== undefined ? { valuesFiles: [...valuesFiles] } : {}),
      ...(values !== undefined ? { values } : {}),
    };
  }
  if (source.kustomize !== undefined)
    out.kustomize = source.kustomize.path !== undefined ? { path: source.kustomize.path } : {};
  return out;
}

const digest = (values: unknown) =>
  `sha256:${createHash('sha256').update(canonicalJson(values)).digest('hex')}`;

/**
 * What the audit trail records of a source: its kind ("detected" when null) and options, with
 * inline values as a digest. Values are configuration, not secrets, but people paste secrets into
 * Helm values, and the audit log is kept forever; the digest still shows that they changed.
 */
export function auditedSource(source: ApplicationSource | null): Record<string, unknown> {
  if (source === null) return { kind: 'detected' };
  const helm = source.helm;
  return {
    kind: source.kind,
    ...(helm
      ? {
          helm: {
            releaseName: helm.releaseName,
            valuesFiles: helm.valuesFiles,
            ...(helm.values !== undefined ? { valuesDigest: digest(helm.values) } : {}),
          },
        }
      : {}),
    ...(source.kustomize ? { kustomize: source.kustomize } : {}),
  };
}

/** Targets as the audit trail records them: per-target inline Helm values as a digest. */
export function auditedTargets(targets: readonly ApplicationTarget[]): unknown[] {
  return targets.map((t) => {
    if (t.helm?.values === undefined) return t;
    const { values, ...rest } = t.helm;
    return { ...t, helm: { ...rest, valuesDigest: digest(values) } };
  });
}
