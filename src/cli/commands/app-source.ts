import { readFile } from 'node:fs/promises';
import { type Command } from 'commander';
import { parse } from 'yaml';
import type * as Hub from '../../api-types/hub-api.js';
import { collect } from '../cli-context.js';
import { UsageError } from '../errors.js';
import { type Application, type Target } from './app-types.js';

/** An application's source as the API takes and returns it. */
export type Source = Hub.ApplicationSourceDto;

/** The options of `app create` that set the source. */
export interface SourceOptions {
  source?: string;
  releaseName?: string;
  helmValues?: string[];
  helmSetFile?: string;
  kustomizePath?: string;
}

/** Adds the source options (`--source`, Helm and Kustomize options) to a command. */
export function sourceOptions(cmd: Command): Command {
  return cmd
    .option('--source <kind>', 'helm, kustomize or manifests (default: detected from the files)')
    .option('--release-name <name>', 'Helm release name (default: the application name)')
    .option(
      '--helm-values <path>',
      'a values file in the repository, relative to --path (repeatable, applied in order)',
      collect,
      [],
    )
    .option('--helm-set-file <file>', 'inline Helm values from a local YAML or JSON file (applied last)')
    .option(
      '--kustomize-path <path>',
      "overlay directory under --path, e.g. 'overlays/${cluster.labels.env}'",
    );
}

/** A local YAML/JSON file's mapping, for inline Helm values. */
async function readValuesFile(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(`--helm-set-file: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? ''}`);
  }
  let value: unknown;
  try {
    value = parse(text);
  } catch (e) {
    throw new UsageError(`--helm-set-file: ${file}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new UsageError(`--helm-set-file: ${file} must hold a mapping of values`);
  return value as Record<string, unknown>;
}

/**
 * The source the options describe, or undefined when none is given (the hub then detects the kind
 * from the files). Helm or Kustomize options without `--source` imply that kind; options that do
 * not fit the kind are sent as given, so the hub's message names the field.
 */
export async function sourceFromOptions(o: SourceOptions): Promise<Source | undefined> {
  const helmValues = o.helmValues ?? [];
  const helmGiven = o.releaseName !== undefined || helmValues.length > 0 || o.helmSetFile !== undefined;
  const kind = o.source ?? (helmGiven ? 'helm' : o.kustomizePath !== undefined ? 'kustomize' : undefined);
  if (kind === undefined) return undefined;
  if (!['helm', 'kustomize', 'manifests'].includes(kind))
    throw new UsageError(`--source: '${kind}' is not one of helm, kustomize, manifests`);
  const source: Source = { kind: kind as Source['kind'] };
  if (helmGiven)
    source.helm = {
      ...(o.releaseName !== undefined ? { releaseName: o.releaseName } : {}),
      ...(helmValues.length ? { valuesFiles: helmValues } : {}),
      ...(o.helmSetFile !== undefined ? { values: await readValuesFile(o.helmSetFile) } : {}),
    };
  if (o.kustomizePath !== undefined) source.kustomize = { path: o.kustomizePath };
  return source;
}

/** The `app get` lines of a source: its kind ("detected" when null), then the options it has. */
export function sourceFields(a: Pick<Application, 'source'>): [string, unknown][] {
  const s = a.source;
  if (!s) return [['source', 'detected from the files']];
  const fields: [string, unknown][] = [['source', s.kind]];
  if (s.helm?.releaseName !== undefined) fields.push(['release name', s.helm.releaseName]);
  if (s.helm?.valuesFiles?.length) fields.push(['values files', s.helm.valuesFiles.join(', ')]);
  if (s.helm?.values !== undefined) fields.push(['inline values', JSON.stringify(s.helm.values)]);
  if (s.kustomize?.path !== undefined) fields.push(['kustomize path', s.kustomize.path]);
  return fields;
}

/** One target's Helm values for `app get`: `files a.yaml,b.yaml values {"x":1}`, or `-`. */
export function targetHelmText(t: Target): string {
  const parts: string[] = [];
  if (t.helm?.valuesFiles?.length) parts.push(`files ${t.helm.valuesFiles.join(',')}`);
  if (t.helm?.values !== undefined) parts.push(`values ${JSON.stringify(t.helm.values)}`);
  return parts.length ? parts.join(' ') : '-';
}
