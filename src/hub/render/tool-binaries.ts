import { constants } from 'node:fs';
import { access, readdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { DependencyFailedError } from '../../domain/errors.js';
import { type ProcessRunner } from '../../vcs/index.js';

/** The tools the hub runs to render Helm charts and Kustomize overlays. */
export type RenderTool = 'helm' | 'kustomize';

/** One tool found: where it is and the version it reports (part of every render cache key). */
export interface ToolBinary {
  tool: RenderTool;
  path: string;
  version: string;
}

/** The variable naming each tool's binary explicitly. */
export const TOOL_BIN_VARIABLES: Readonly<Record<RenderTool, string>> = Object.freeze({
  helm: 'FLOTILLA_HELM_BIN',
  kustomize: 'FLOTILLA_KUSTOMIZE_BIN',
});

const BUILD_SCRIPTS: Readonly<Record<RenderTool, string>> = Object.freeze({
  helm: 'npm run helm:binary',
  kustomize: 'npm run kustomize:binary',
});

/** A tool the hub needs for an application but cannot find or run; says what to install. */
export class ToolMissingError extends DependencyFailedError {
  constructor(
    readonly tool: RenderTool,
    detail: string,
  ) {
    super(
      `${tool} is needed to render this application but ${detail}: install ${tool} on the hub's PATH, ` +
        `set ${TOOL_BIN_VARIABLES[tool]} to its binary, or build it with \`${BUILD_SCRIPTS[tool]}\``,
    );
  }
}

/**
 * Finds the helm and kustomize binaries, once per tool per process: `FLOTILLA_HELM_BIN` /
 * `FLOTILLA_KUSTOMIZE_BIN`, else the first on `PATH`, else the newest build in the project cache
 * (`$FLOTILLA_CACHE_DIR` or `~/.cache/flotilla`, `<tool>/<version>/<tool>`, where the npm scripts
 * build them). Only applications that need a tool look it up, so a hub without helm still serves
 * plain manifests and says what is missing when a chart is deployed.
 */
export class ToolBinaries {
  private readonly found = new Map<RenderTool, Promise<ToolBinary>>();

  constructor(
    private readonly processes: ProcessRunner,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  /** The binary and its version, or a {@link ToolMissingError}. A failed lookup is retried next time. */
  get(tool: RenderTool): Promise<ToolBinary> {
    let pending = this.found.get(tool);
    if (!pending) {
      pending = this.locate(tool);
      pending.catch(() => this.found.delete(tool));
      this.found.set(tool, pending);
    }
    return pending;
  }

  private async locate(tool: RenderTool): Promise<ToolBinary> {
    const explicit = this.env[TOOL_BIN_VARIABLES[tool]];
    if (explicit) {
      if (!(await isExecutable(explicit)))
        throw new ToolMissingError(tool, `${TOOL_BIN_VARIABLES[tool]} does not name an executable file`);
      return this.probe(tool, explicit);
    }
    for (const dir of (this.env.PATH ?? '').split(delimiter).filter(Boolean)) {
      const candidate = join(dir, tool);
      if (await isExecutable(candidate)) return this.probe(tool, candidate);
    }
    const cached = await newestCached(
      tool,
      this.env.FLOTILLA_CACHE_DIR || join(homedir(), '.cache', 'flotilla'),
    );
    if (cached) return this.probe(tool, cached);
    throw new ToolMissingError(tool, 'it was not found');
  }

  private async probe(tool: RenderTool, path: string): Promise<ToolBinary> {
    const args = tool === 'helm' ? ['version', '--short'] : ['version'];
    const result = await this.processes
      .run(path, args, { env: { PATH: this.env.PATH ?? '' }, timeoutMs: 30_000, maxStdoutBytes: 64 * 1024 })
      .catch((e: Error) => ({ code: -1, stdout: Buffer.alloc(0), stderr: e.message }));
    const version = result.stdout.toString('utf8').trim().split('\n')[0] ?? '';
    if (result.code !== 0 || !version) throw new ToolMissingError(tool, `${path} did not report its version`);
    return { tool, path, version };
  }
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `<cache>/<tool>/<version>/<tool>` with the highest version directory (by numeric segments). */
async function newestCached(tool: RenderTool, cacheRoot: string): Promise<string | undefined> {
  let versions: string[];
  try {
    versions = await readdir(join(cacheRoot, tool));
  } catch {
    return undefined;
  }
  versions.sort(compareVersions).reverse();
  for (const version of versions) {
    const candidate = join(cacheRoot, tool, version, tool);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function compareVersions(a: string, b: string): number {
  const pa = a.replace(/^v/, '').split(/[.-]/).map(Number);
  const pb = b.replace(/^v/, '').split(/[.-]/).map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] || 0) - (pb[i] || 0);
    if (d) return d;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}
