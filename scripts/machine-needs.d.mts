/** Types of machine-needs.mjs (plain JavaScript so it runs on any Node), for its tests. */
export interface Need {
  command: string;
  probe: string[];
  debian: string;
  why: string;
  other?: Record<string, string>;
}
export interface Machine {
  uid: number;
  managers: string[];
  passwordlessSudo: boolean;
  noInstall: boolean;
}
export type InstallPlan =
  | { kind: 'none' }
  | { kind: 'install'; update: string[]; install: string[] }
  | { kind: 'manual'; message: string };
export const NEEDS: Need[];
export function runs(command: string, args: string[]): boolean;
export function missingNeeds(needs?: Need[], probe?: (command: string, args: string[]) => boolean): Need[];
export function packagesFor(missing: Need[], manager?: string): string[];
export function installPlan(missing: Need[], machine: Machine): InstallPlan;
export function describeMachine(env?: NodeJS.ProcessEnv): Machine;
export function ensureMachine(
  needs?: Need[],
  out?: { write(s: string): unknown },
  machine?: Machine,
): boolean;
