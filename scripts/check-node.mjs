#!/usr/bin/env node
// `node scripts/check-node.mjs "npm run test:unit"`: exits 1, saying how to get a supported Node,
// when the running one is older than package.json engines allows. The npm scripts that start
// vitest directly (test:unit, test:k8s) run it first, as `npm test` (scripts/test.mjs) does
// itself: vitest 5 fails on an old Node with errors that do not say the Node is the problem.
import { enginesRange, unsupportedNodeMessage } from './node-baseline.mjs';

const tooOld = unsupportedNodeMessage(process.version, enginesRange(), process.argv[2] ?? 'npm test');
if (tooOld) {
  process.stderr.write(`\n${tooOld}\n`);
  process.exit(1);
}
