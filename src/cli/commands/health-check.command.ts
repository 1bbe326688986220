import { readFile } from 'node:fs/promises';
import { type Command } from 'commander';
import { parseAllDocuments } from 'yaml';
import type * as Hub from '../../api-types/hub-api.js';
import { ApiError } from '../api-client.js';
import { contextOf, examples } from '../cli-context.js';
import { UsageError } from '../errors.js';
import { renderTable } from '../output.js';
import { readStdin } from '../prompt.js';

type Rule = Hub.HealthCheckRuleDto;
type HealthCheck = Hub.HealthCheckDto;

const PATH = '/api/v1/health-checks';
const RULE_FIELDS = new Set(['group', 'kind', 'current', 'inProgress', 'failed']);

async function readText(file: string): Promise<string> {
  try {
    return file === '-' ? await readStdin() : await readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? ''}`);
  }
}

/** YAML (or JSON) documents of a file, each a mapping or a list of mappings. */
function mappings(text: string, source: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length) throw new UsageError(`${source}: ${doc.errors[0].message.split('\n')[0]}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    for (const item of Array.isArray(value) ? (value as unknown[]) : [value]) {
      if (!item || typeof item !== 'object' || Array.isArray(item))
        throw new UsageError(`${source}: expected a mapping, or a list of mappings`);
      out.push(item as Record<string, unknown>);
    }
  }
  return out;
}

/**
 * Health check rules from a file: one per document, or a list per document. Only the fields of a
 * rule are allowed, so a typo is caught here; the hub checks the expressions.
 */
export function parseHealthChecks(text: string, source: string): Rule[] {
  const rules = mappings(text, source).map((value) => {
    const unknown = Object.keys(value).filter((k) => !RULE_FIELDS.has(k));
    if (unknown.length) throw new UsageError(`${source}: unknown field(s) ${unknown.join(', ')}`);
    if (typeof value.kind !== 'string' || typeof value.current !== 'string')
      throw new UsageError(
        `${source}: a health check needs kind and current (group, inProgress, failed optional)`,
      );
    return { group: '', ...value } as Rule;
  });
  if (!rules.length) throw new UsageError(`${source}: no health check in it`);
  return rules;
}

/** The rules of a `--health-checks-file` (- for stdin). */
export async function readHealthChecksFile(file: string): Promise<Rule[]> {
  return parseHealthChecks(await readText(file), file);
}

/** `cert-manager.io/Certificate`, `core/Pod` for the core group. */
const kindName = (r: { group: string; kind: string }) => `${r.group || 'core'}/${r.kind}`;

/** `GROUP/KIND` as typed: `core/Pod` (or `/Pod`) is the core group; a dotted group has no slash. */
function parseKind(text: string): { group: string; kind: string } {
  const slash = text.lastIndexOf('/');
  if (slash < 0)
    throw new UsageError(`${text}: give GROUP/KIND, e.g. cert-manager.io/Certificate or core/Pod`);
  const group = text.slice(0, slash);
  return { group: group === 'core' ? '' : group, kind: text.slice(slash + 1) };
}

const one = (text: string) => (text.length > 60 ? `${text.slice(0, 57)}...` : text).replace(/\s+/g, ' ');

/** `health-check list|apply|delete|test`. */
export function registerHealthCheckCommands(program: Command): void {
  const hc = program
    .command('health-check')
    .alias('health-checks')
    .description("custom health checks: CEL rules for a kind's objects, in place of the built-in ones");
  examples(hc, [
    'flotilla health-check apply -f docs/health-checks/cert-manager-certificate.yaml',
    'flotilla health-check list',
  ]);

  examples(
    hc
      .command('list')
      .alias('ls')
      .description("the hub's health checks")
      .action(async (_o: unknown, cmd: Command) => {
        const ctx = contextOf(cmd);
        const { items } = await (await ctx.api()).get<Hub.HealthCheckListDto>(PATH);
        ctx.emit(items, () =>
          renderTable(
            [
              { header: 'KIND', value: kindName },
              { header: 'IN PROGRESS', value: (h) => one(h.inProgress ?? '-') },
              { header: 'FAILED', value: (h) => one(h.failed ?? '-') },
              { header: 'CURRENT', value: (h) => one(h.current) },
            ],
            items,
            ctx.color,
          ),
        );
      }),
    ['flotilla health-check list', 'flotilla health-check list -o yaml'],
  );

  examples(
    hc
      .command('apply')
      .description('create or replace health checks from YAML or JSON, by group/kind (admin)')
      .requiredOption('-f, --file <file>', 'a rule, or a list of rules, per document (- for stdin)')
      .action(async (o: { file: string }, cmd: Command) => {
        const ctx = contextOf(cmd);
        const api = await ctx.api();
        const out: HealthCheck[] = [];
        for (const rule of await readHealthChecksFile(o.file)) {
          let saved: HealthCheck;
          let result = 'created';
          try {
            saved = await api.post<HealthCheck>(PATH, rule);
          } catch (e) {
            if (!(e instanceof ApiError) || e.status !== 409) throw e;
            const { items } = await api.get<Hub.HealthCheckListDto>(PATH);
            const existing = items.find((h) => h.group === rule.group && h.kind === rule.kind);
            if (!existing) throw e;
            saved = await api.put<HealthCheck>(`${PATH}/${existing.id}`, rule);
            result = 'replaced';
          }
          out.push(saved);
          if (ctx.format === 'table') ctx.print(`health check ${kindName(saved)} ${result}\n`);
        }
        if (ctx.format !== 'table') ctx.emit(out, () => '');
      }),
    ['flotilla health-check apply -f docs/health-checks/argo-rollout.yaml'],
  );

  examples(
    hc
      .command('delete')
      .alias('rm')
      .description('delete the health check of a kind (admin); agents keep it until their next job')
      .argument('<group/kind>', 'e.g. cert-manager.io/Certificate, core/Pod')
      .action(async (text: string, _o: unknown, cmd: Command) => {
        const ctx = contextOf(cmd);
        const want = parseKind(text);
        const api = await ctx.api();
        const { items } = await api.get<Hub.HealthCheckListDto>(PATH);
        const found = items.find((h) => h.group === want.group && h.kind === want.kind);
        if (!found) throw new ApiError(404, `no health check for ${kindName(want)}`);
        await api.delete(`${PATH}/${found.id}`);
        ctx.emit({ deleted: kindName(want) }, () => `health check ${kindName(want)} deleted\n`);
      }),
    ['flotilla health-check delete cert-manager.io/Certificate'],
  );

  examples(
    hc
      .command('test')
      .description('judge an object with a rule, as an agent would, without saving the rule')
      .requiredOption('-f, --file <file>', 'the rule (YAML or JSON; the first one if several)')
      .requiredOption('--object <file>', 'the object as the API server returns it (kubectl get -o yaml)')
      .action(async (o: { file: string; object: string }, cmd: Command) => {
        const ctx = contextOf(cmd);
        const [rule] = await readHealthChecksFile(o.file);
        const [object] = mappings(await readText(o.object), o.object);
        if (!object) throw new UsageError(`${o.object}: no object in it`);
        const verdict = await (
          await ctx.api()
        ).post<Hub.HealthVerdictDto>(`${PATH}/evaluate`, { rule, object });
        ctx.emit(verdict, () =>
          verdict.matched
            ? `${verdict.status}: ${verdict.message}\n`
            : `${verdict.status}: ${verdict.message}\n(the rule is for ${kindName(rule)}, not this object's kind: built-in rules judged it)\n`,
        );
      }),
    ['flotilla health-check test -f certificate-rule.yaml --object certificate.yaml'],
  );
}
