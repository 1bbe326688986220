import { isManifestFile } from './manifest-files.js';
import { applyMergePatch } from './merge-patch.js';
import { type RenderTarget } from './render.types.js';
import { substituteVariables, targetVariables } from './substitution.js';

/**
 * The files of a FileSet under `appPath`, keyed relative to it (what the tools see as their
 * tree). Files outside it are dropped.
 */
export function relativeToApplication(
  files: ReadonlyMap<string, Buffer>,
  appPath: string,
): Map<string, Buffer> {
  const prefix = appPath === '' ? '' : `${appPath}/`;
  const out = new Map<string, Buffer>();
  for (const [path, content] of files)
    if (path.startsWith(prefix)) out.set(path.slice(prefix.length), content);
  return out;
}

/** `# Source: chart/templates/x.yaml`, which `helm template` writes above every document. */
const SOURCE_LINE = /^# Source: (.+)$/;

/**
 * `helm template` output split back into the files it came from, keyed by the repository path of
 * each template (`apps/web/templates/deployment.yaml`), so render errors name the template: the
 * chart name helm puts first is replaced by `appPath`; subcharts keep their `charts/<name>/` path.
 * Documents without a source line go to `appPath/(helm output).yaml`. A name that is not a
 * manifest file name gets `.yaml` appended, so it is parsed like one.
 */
export function helmOutputFiles(stdout: Buffer, appPath: string): Map<string, Buffer> {
  const prefix = appPath === '' ? '' : `${appPath}/`;
  const docs = new Map<string, string[]>();
  let current = `${prefix}(helm output).yaml`;
  let lines: string[] = [];
  const flush = () => {
    if (lines.some((l) => l.trim() !== '' && l.trim() !== '---')) {
      const list = docs.get(current) ?? [];
      list.push(lines.join('\n'));
      docs.set(current, list);
    }
    lines = [];
  };
  for (const line of stdout.toString('utf8').split('\n')) {
    if (line === '---') {
      flush();
      continue;
    }
    const source = SOURCE_LINE.exec(line);
    if (source && lines.every((l) => l.trim() === '')) {
      const inChart = source[1].slice(source[1].indexOf('/') + 1);
      current = `${prefix}${isManifestFile(inChart) ? inChart : `${inChart}.yaml`}`;
    }
    lines.push(line);
  }
  flush();
  const out = new Map<string, Buffer>();
  for (const [file, list] of docs) out.set(file, Buffer.from(list.join('\n---\n'), 'utf8'));
  return out;
}

/** The output of `kustomize build` as one file named after the overlay it built. */
export function kustomizeOutputFiles(stdout: Buffer, appPath: string, overlay: string): Map<string, Buffer> {
  const dir = [appPath, overlay === '.' ? '' : overlay].filter(Boolean).join('/');
  return new Map([[`${dir ? `${dir}/` : ''}(kustomize build).yaml`, stdout]]);
}

/**
 * The inline Helm values for one cluster: the application's, then the target's merged over them
 * (RFC 7386: a null removes a key), with `${cluster.*}` and `${values.*}` substituted in every
 * string. An unknown variable is an error naming where it is.
 */
export function helmInlineValues(
  appValues: Record<string, unknown> | undefined,
  targetValues: Record<string, unknown> | undefined,
  target: RenderTarget,
): { ok: true; values: Record<string, unknown> } | { ok: false; message: string } {
  const merged = applyMergePatch(appValues ?? {}, targetValues ?? {}) as Record<string, unknown>;
  const result = substituteVariables(merged, targetVariables(target));
  const problems = [
    ...result.unknown.map((u) => `unknown variable \${${u.variable}} (in ${u.path})`),
    ...result.protoKeys.map((p) => `${p}: a field named __proto__ is not supported`),
  ];
  if (problems.length) return { ok: false, message: `helm values: ${problems.join('; ')}` };
  return { ok: true, values: result.value as Record<string, unknown> };
}

/** A Kubernetes version Helm's `--kube-version` accepts (`v1.31.2`, `1.31`, `v1.30.4+k3s1`), else undefined. */
export function kubeVersionArgument(version: string | null | undefined): string | undefined {
  if (!version) return undefined;
  return /^v?\d+\.\d+(\.\d+)?([-+][0-9A-Za-z.+-]*)?$/.test(version) ? version : undefined;
}
