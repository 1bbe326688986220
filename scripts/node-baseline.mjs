// Is the running Node one the project supports (package.json `engines.node`)? Plain JavaScript:
// it must run on the old Node it warns about.
import { readFileSync } from 'node:fs';

/** The `engines.node` range of package.json, e.g. "^22.19.0 || >=24.11.0". */
export function enginesRange(packageJsonPath = new URL('../package.json', import.meta.url)) {
  return JSON.parse(readFileSync(packageJsonPath, 'utf8')).engines.node;
}

const parse = (v) => v.replace(/^v/, '').split('.').map(Number);
const atLeast = (v, min) => {
  for (let i = 0; i < 3; i++) if ((v[i] ?? 0) !== (min[i] ?? 0)) return (v[i] ?? 0) > (min[i] ?? 0);
  return true;
};

/**
 * Whether `version` satisfies `range`, for the forms `engines` uses here: alternatives joined
 * by `||`, each `^X.Y.Z` (same major, at least X.Y.Z) or `>=X.Y.Z`.
 */
export function satisfies(version, range) {
  const v = parse(version);
  return range.split('||').some((part) => {
    const p = part.trim();
    if (p.startsWith('^')) {
      const min = parse(p.slice(1));
      return v[0] === min[0] && atLeast(v, min);
    }
    if (p.startsWith('>=')) return atLeast(v, parse(p.slice(2)));
    throw new Error(`unsupported engines.node form: ${p}`);
  });
}

/** The oldest supported major: the baseline, e.g. 22 for "^22.19.0 || >=24.11.0". */
export function baselineMajor(range) {
  return Math.min(...range.split('||').map((p) => parse(p.trim().replace(/^(\^|>=)/, ''))[0]));
}

/**
 * Null when `version` is supported; otherwise what to tell the user, with how to get one.
 * `command` is what refused to run (`npm test`, `npm run test:unit`...), named in the message.
 */
export function unsupportedNodeMessage(version, range, command = 'npm test') {
  if (satisfies(version, range)) return null;
  const major = baselineMajor(range);
  // The oldest release the range allows, e.g. 22.19.0: "Node 22" alone misleads a user on 22.18.
  const oldest = range
    .split('||')
    .map((p) => p.trim().replace(/^(\^|>=)/, ''))
    .find((v) => parse(v)[0] === major);
  return (
    `${command}: Node ${version} is not a supported Node.js (package.json engines: ${range});\n` +
    `  the tests need Node ${oldest} or later and do not run on it.\n` +
    `  Get Node ${major} LTS: \`bash scripts/node-runtime.sh\` installs its newest patch from the npm\n` +
    `  registry into \${FLOTILLA_CACHE_DIR:-$HOME/.cache/flotilla}/node-<version>/ and prints the directory;\n` +
    `  then run: PATH="$(bash scripts/node-runtime.sh):$PATH" ${command}\n` +
    `  (or install it from https://nodejs.org, nvm, or your package manager).\n`
  );
}
