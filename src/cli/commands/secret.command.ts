/**
 * `flotilla secret`: sealed secrets (issue 17). Sealing happens here, on the operator's machine:
 * the hub only hands out the clusters' public keys, and only ever sees the ciphertext.
 */
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { type Command } from 'commander';
import { parseAllDocuments, stringify } from 'yaml';
import { isSealedSecret, parseSealedSpec, recipientDrift } from '../../domain/sealed-secret.js';
import type { KubeObject } from '../../domain/render/render.types.js';
import type { ApiClient } from '../api-client.js';
import { contextOf, examples } from '../cli-context.js';
import { CliError, UsageError } from '../errors.js';
import { renderTable } from '../output.js';
import { sealSecret, type RecipientList } from '../sealing.js';

async function recipientsFor(api: ApiClient, selector: string): Promise<RecipientList> {
  return api.get<RecipientList>('/api/v1/cluster-recipients', { selector });
}

/** Every YAML document of a file, as plain data; a syntax error names the file. */
async function readDocuments(path: string): Promise<unknown[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) throw new UsageError(`${path}: not YAML`);
  return docs.map((d) => {
    if (d.errors.length > 0) throw new UsageError(`${path}: ${d.errors[0].message}`);
    return d.toJS() as unknown;
  });
}

/** The one v1/Secret of a file (what `seal` and `reseal` take). */
async function readSecret(path: string): Promise<KubeObject> {
  const docs = (await readDocuments(path)).filter((d) => d !== null);
  const secret = docs[0] as KubeObject | undefined;
  if (docs.length !== 1 || !secret || secret.apiVersion !== 'v1' || secret.kind !== 'Secret')
    throw new UsageError(`${path}: expected exactly one apiVersion: v1, kind: Secret document`);
  if (typeof secret.metadata?.name !== 'string') throw new UsageError(`${path}: metadata.name is required`);
  return secret;
}

/** {@link sealSecret}, with its refusals as CLI errors. */
async function seal(secret: KubeObject, selector: string, list: RecipientList): Promise<KubeObject> {
  if (list.items.length === 0)
    throw new CliError(`no cluster matching '${selector}' has an age key: nothing could read the secret`);
  try {
    return await sealSecret(secret, selector, list.items);
  } catch (e) {
    throw new UsageError(`the Secret: ${(e as Error).message}`);
  }
}

async function writeSealed(sealed: KubeObject, out: string | undefined, print: (t: string) => void) {
  const text = stringify(sealed, { lineWidth: 0 });
  if (out) await writeFile(out, text, { mode: 0o644 });
  else print(text);
}

/** YAML files under the paths (files as given, directories walked). */
async function yamlFiles(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    const s = await stat(p).catch(() => null);
    if (!s) throw new UsageError(`${p}: no such file or directory`);
    if (s.isFile()) out.push(p);
    else if (s.isDirectory())
      for (const entry of await readdir(p, { recursive: true, withFileTypes: true }))
        if (entry.isFile() && ['.yaml', '.yml'].includes(extname(entry.name)))
          out.push(join(entry.parentPath, entry.name));
  }
  return out.sort();
}

/** Adds `flotilla secret seal|reseal|check`. */
export function registerSecretCommands(program: Command): void {
  const secret = program.command('secret').alias('secrets').description('seal secrets for clusters');

  examples(
    secret
      .command('seal')
      .description(
        'encrypt a v1/Secret to the age keys of the clusters a selector chooses (locally: the hub never sees a value)',
      )
      .requiredOption('--selector <selector>', 'label selector of the clusters that may read it')
      .requiredOption('-f, --file <path>', 'the Secret manifest (YAML)')
      .option('--out <path>', 'write the SealedSecret here instead of stdout')
      .action(async (opts: { selector: string; file: string; out?: string }, cmd: Command) => {
        const ctx = contextOf(cmd);
        const list = await recipientsFor(await ctx.api(), opts.selector);
        if (list.withoutKey.length > 0)
          ctx.warn(
            `not sealed for ${list.withoutKey.join(', ')}: no age key yet (reseal once their agents run)`,
          );
        await writeSealed(await seal(await readSecret(opts.file), opts.selector, list), opts.out, (t) =>
          ctx.print(t),
        );
      }),
    [
      'flotilla secret seal --selector env=prod -f secret.yaml --out app/sealed-secret.yaml',
      'kubectl create secret generic db --from-literal=password=s3cret --dry-run=client -o yaml | flotilla secret seal --selector env=prod -f /dev/stdin',
    ],
  );

  examples(
    secret
      .command('reseal')
      .description(
        "seal a sealed file again for its selector's clusters now (joined or re-keyed since); " +
          'age cannot add a recipient without the plaintext, so the Secret is given again with -f',
      )
      .requiredOption('--sealed <path>', 'the SealedSecret file to renew (its selector is kept)')
      .requiredOption('-f, --file <path>', 'the plaintext Secret it was sealed from')
      .option('--selector <selector>', 'seal for this selector instead of the one in the file')
      .option('--out <path>', 'write here instead of over --sealed')
      .action(
        async (opts: { sealed: string; file: string; selector?: string; out?: string }, cmd: Command) => {
          const ctx = contextOf(cmd);
          const old = (await readDocuments(opts.sealed)).find(
            (d): d is KubeObject => !!d && isSealedSecret(d as KubeObject),
          );
          if (!old) throw new UsageError(`${opts.sealed}: no SealedSecret in it`);
          const plain = await readSecret(opts.file);
          if (
            plain.metadata.name !== old.metadata.name ||
            (plain.metadata.namespace ?? '') !== (old.metadata.namespace ?? '')
          )
            throw new UsageError(
              `${opts.file} is not the Secret ${opts.sealed} was sealed from (name or namespace differ)`,
            );
          const selector = opts.selector ?? parseSealedSpec(old).selector;
          const list = await recipientsFor(await ctx.api(), selector);
          if (list.withoutKey.length > 0)
            ctx.warn(`not sealed for ${list.withoutKey.join(', ')}: no age key yet`);
          await writeSealed(await seal(plain, selector, list), opts.out ?? opts.sealed, (t) => ctx.print(t));
        },
      ),
    ['flotilla secret reseal --sealed app/sealed-secret.yaml -f secret.yaml'],
  );

  examples(
    secret
      .command('check')
      .description(
        "list sealed files whose recipients no longer match their selector's clusters (exit 1 when any)",
      )
      .argument('[paths...]', 'files or directories to look in', ['.'])
      .action(async (paths: string[], _opts: unknown, cmd: Command) => {
        const ctx = contextOf(cmd);
        const api = await ctx.api();
        const lists = new Map<string, RecipientList>();
        const rows: { file: string; name: string; selector: string; missing: string[]; stale: string[] }[] =
          [];
        for (const file of await yamlFiles(paths)) {
          const docs = await readDocuments(file).catch(() => []);
          for (const doc of docs) {
            if (!doc || !isSealedSecret(doc)) continue;
            const obj = doc as KubeObject;
            let spec;
            try {
              spec = parseSealedSpec(obj);
            } catch (e) {
              throw new CliError(`${file}: ${(e as Error).message}`);
            }
            if (!lists.has(spec.selector)) lists.set(spec.selector, await recipientsFor(api, spec.selector));
            const drift = recipientDrift(spec.recipients, lists.get(spec.selector)!.items);
            rows.push({ file, name: obj.metadata.name, selector: spec.selector, ...drift });
          }
        }
        const stale = rows.filter((r) => r.missing.length > 0 || r.stale.length > 0);
        ctx.emit({ checked: rows.length, needsReseal: stale }, () =>
          stale.length === 0
            ? `${rows.length} sealed secret(s) checked: every one matches its selector's clusters\n`
            : renderTable(
                [
                  { header: 'FILE', value: (r) => r.file },
                  { header: 'NAME', value: (r) => r.name },
                  { header: 'SELECTOR', value: (r) => r.selector },
                  { header: 'NOT SEALED FOR', value: (r) => r.missing.join(',') || '-' },
                  { header: 'STALE KEYS', value: (r) => r.stale.join(',') || '-' },
                ],
                stale,
                ctx.color,
              ),
        );
        if (stale.length > 0) throw new CliError(`${stale.length} sealed secret(s) need a reseal`);
      }),
    ['flotilla secret check app/', 'flotilla secret check -o json app/sealed-secret.yaml'],
  );
}
