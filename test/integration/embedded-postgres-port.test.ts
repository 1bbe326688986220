import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startEmbeddedPostgres } from '../../src/hub/database/embedded-postgres.launcher.js';

let dir: string;
let squatter: Server;
let taken: number;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flotilla-pgport-'));
  await chmod(dir, 0o711);
  squatter = createServer();
  await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', r));
  taken = (squatter.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise((r) => squatter.close(r));
  await rm(dir, { recursive: true, force: true });
});

describe('the embedded Postgres port', () => {
  it('takes another free port when the one it chose is taken before Postgres binds it', async () => {
    // The race a busy machine runs: the kernel's free port is bound by someone else first.
    const offered: number[] = [];
    const pg = await startEmbeddedPostgres({
      dir: join(dir, 'chosen'),
      choosePort: async () => {
        const port = offered.length === 0 ? taken : await freePort();
        offered.push(port);
        return port;
      },
    });
    try {
      expect(offered[0]).toBe(taken);
      expect(offered).toHaveLength(2);
      expect(pg.port).toBe(offered[1]);
      expect(pg.url).toContain(`:${offered[1]}/`);
    } finally {
      await pg.stop();
    }
  }, 120_000);

  it('fails with PostgreSQL’s reason when a port the operator set is taken', async () => {
    await expect(startEmbeddedPostgres({ dir: join(dir, 'chosen'), port: taken })).rejects.toThrow(
      /embedded Postgres exited with code 1: .*(Address already in use|could not create any TCP\/IP sockets)/s,
    );
  }, 120_000);
});
