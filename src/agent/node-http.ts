/**
 * `node:http` for the agent, loaded with `require` rather than an ESM import. Importing it as
 * ESM builds a facade that reads every export, including the lazy `WebSocket` getter, and that
 * loads fetch's HTTP stack (undici) and compiles its WebAssembly parser: about 10 MiB resident
 * on Node 22 and 24 (a bare script: 58 MiB with the import, 48 MiB with require) for nothing the
 * agent uses. Types still come from `import type`, which is erased.
 */
import { createRequire } from 'node:module';
import type * as NodeHttp from 'node:http';

/** The `node:http` module. */
export const http = createRequire(import.meta.url)('node:http') as typeof NodeHttp;
