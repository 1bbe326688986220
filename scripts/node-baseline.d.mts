/** Types of node-baseline.mjs (plain JavaScript so it runs on any Node), for its tests. */
export function enginesRange(packageJsonPath?: string | URL): string;
export function satisfies(version: string, range: string): boolean;
export function baselineMajor(range: string): number;
export function unsupportedNodeMessage(version: string, range: string, command?: string): string | null;
