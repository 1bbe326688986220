import { readFile } from 'node:fs/promises';
import { type Command } from 'commander';
import { parseAllDocuments } from 'yaml';
import type * as Hub from '../../api-types/hub-api.js';
import { ApiError, itemPath } from '../api-client.js';
import { contextOf, examples } from '../cli-context.js';
import { UsageError } from '../errors.js';
import { formatTime, renderFields, renderTable } from '../output.js';
import { readStdin } from '../prompt.js';

type Generator = Hub.GeneratorDto;
type GeneratorDetail = Hub.GeneratorDetailDto;
/** The body of `POST /api/v1/generators` (the schema's "directories or clusters" rule aside). */
interface Spec {
  name: string;
  project?: string;
  repositoryId: string;
  template: Hub.GeneratorTemplateDto;
  directories?: Hub.DirectoriesGeneratorDto;
  clusters?: Hub.ClustersGeneratorDto;
  preserveOnDelete?: boolean;
}

const PATH = '/api/v1/generators';
const FIELDS = new Set([
  'name',
  'project',
  'repositoryId',
  'template',
  'directories',
  'clusters',
  'preserveOnDelete',
]);

/** Generator specs from YAML, one per document; only the fields of `POST /api/v1/generators`. */
export function parseGeneratorSpecs(text: string, source: string): Spec[] {
  const out: Spec[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw new UsageError(`${source}: ${doc.errors[0].message.split('\n')[0]}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    if (typeof value !== 'object' || Array.isArray(value))
      throw new UsageError(`${source}: each document must be a mapping with the fields of a generator`);
    const unknown = Object.keys(value).filter((k) => !FIELDS.has(k));
    if (unknown.length) throw new UsageError(`${source}: unknown field(s) ${unknown.join(', ')}`);
    const spec = value as Spec;
    for (const f of ['name', 'repositoryId'] as const)
      if (typeof spec[f] !== 'string' || !spec[f]) throw new UsageError(`${source}: ${f} is required`);
    out.push(spec);
  }
  if (!out.length) throw new UsageError(`${source}: no generator in it`);
  return out;
}

function kindOf(g: Generator): string {
  if (g.directories && g.clusters) return `matrix(${g.directories.glob} × ${g.clusters.selector || '*'})`;
  if (g.directories) return `directories(${g.directories.glob})`;
  return `clusters(${g.clusters?.selector || '*'})`;
}

function renderGenerator(g: GeneratorDetail, color: boolean): string {
  return (
    renderFields(
      [
        ['name', g.name],
        ['project', g.project],
        ['generates', kindOf(g)],
        ['template', `${g.template.name} ← ${g.template.path || '(root)'}`],
        ['preserve on delete', g.preserveOnDelete ? 'yes' : 'no'],
        ['revision', g.status.revision ?? '(none yet)'],
        ['recomputed', g.status.recomputedAt ? formatTime(g.status.recomputedAt) : '(never)'],
        [
          'applications',
          g.applications.map((a) => (a.deleting ? `${a.name} (deleting)` : a.name)).join(', ') || '(none)',
        ],
      ],
      color,
    ) + (g.status.errors.length ? `errors:\n${g.status.errors.map((e) => `  ${e}\n`).join('')}` : '')
  );
}

/** `generator list|get|apply|refresh|delete`. */
export function registerGeneratorCommands(program: Command): void {
  const generator = program
    .command('generator')
    .alias('generators')
    .description('generators: one application template stamped out per directory, cluster, or both');
  examples(generator, ['flotilla generator apply -f team-apps.yaml', 'flotilla generator get team-apps']);

  examples(
    generator
      .command('list')
      .alias('ls')
      .description('list the generators you can see')
      .option('--project <project>', 'only generators of this project')
      .action(async (o: { project?: string }, cmd: Command) => {
        const ctx = contextOf(cmd);
        const items = await (await ctx.api()).all<Generator>(PATH, { project: o.project });
        ctx.emit(items, () =>
          renderTable(
            [
              { header: 'NAME', value: (g) => g.name },
              { header: 'PROJECT', value: (g) => g.project },
              { header: 'GENERATES', value: kindOf },
              { header: 'APPS', value: (g) => String(g.status.applications.length) },
              { header: 'ERRORS', value: (g) => String(g.status.errors.length) },
            ],
            items,
            ctx.color,
          ),
        );
      }),
    ['flotilla generator list', 'flotilla generator list --project team-a -o json'],
  );

  examples(
    generator
      .command('get')
      .description('show a generator, its applications and what it could not generate')
      .argument('<name>', 'generator name or id')
      .action(async (name: string, _o: unknown, cmd: Command) => {
        const ctx = contextOf(cmd);
        const g = await (await ctx.api()).get<GeneratorDetail>(itemPath('generators', name));
        ctx.emit(g, () => renderGenerator(g, ctx.color));
      }),
    ['flotilla generator get team-apps -o yaml'],
  );

  examples(
    generator
      .command('apply')
      .description('create or update generators from a YAML spec (idempotent)')
      .requiredOption('-f, --file <file>', 'YAML with the fields of POST /api/v1/generators (- for stdin)')
      .action(async (o: { file: string }, cmd: Command) => {
        const ctx = contextOf(cmd);
        let text: string;
        try {
          text = o.file === '-' ? await readStdin() : await readFile(o.file, 'utf8');
        } catch (e) {
          throw new UsageError(`cannot read ${o.file}: ${(e as NodeJS.ErrnoException).code ?? ''}`);
        }
        const api = await ctx.api();
        const out: GeneratorDetail[] = [];
        for (const spec of parseGeneratorSpecs(text, o.file)) {
          let g: GeneratorDetail;
          let result = 'created';
          try {
            g = await api.post<GeneratorDetail>(PATH, spec);
          } catch (e) {
            if (!(e instanceof ApiError) || e.status !== 409) throw e;
            // A spec is the whole generator: a generator it does not name is removed.
            g = await api.patch<GeneratorDetail>(itemPath('generators', spec.name), {
              template: spec.template,
              directories: spec.directories ?? null,
              clusters: spec.clusters ?? null,
              preserveOnDelete: spec.preserveOnDelete ?? false,
            });
            result = 'updated';
          }
          out.push(g);
          if (ctx.format === 'table')
            ctx.print(`generator ${g.name} ${result}: ${g.status.applications.length} application(s)\n`);
        }
        if (ctx.format !== 'table') ctx.emit(out, () => '');
      }),
    ['flotilla generator apply -f team-apps.yaml'],
  );

  examples(
    generator
      .command('refresh')
      .description("recompute a generator's applications now (as a new revision would)")
      .argument('<name>', 'generator name or id')
      .action(async (name: string, _o: unknown, cmd: Command) => {
        const ctx = contextOf(cmd);
        const g = await (
          await ctx.api()
        ).post<GeneratorDetail>(`${itemPath('generators', name)}/refresh`, {});
        ctx.emit(g, () => renderGenerator(g, ctx.color));
      }),
    ['flotilla generator refresh team-apps'],
  );

  examples(
    generator
      .command('delete')
      .alias('rm')
      .description('delete a generator and its applications (objects kept in clusters with preserveOnDelete)')
      .argument('<name>', 'generator name or id')
      .action(async (name: string, _o: unknown, cmd: Command) => {
        const ctx = contextOf(cmd);
        await (await ctx.api()).delete(itemPath('generators', name));
        ctx.emit({ deleted: name }, () => `generator ${name} deleted\n`);
      }),
    ['flotilla generator delete team-apps'],
  );
}
