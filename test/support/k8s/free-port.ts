import { createServer } from 'node:net';

/** Ports handed out by this process, so two callers in one start-up never get the same one. */
const handedOut = new Set<number>();

/**
 * Finds a TCP port on 127.0.0.1 that nothing listens on right now.
 *
 * The port is released before the caller's process binds it, so another
 * process could take it in between; callers detect that by the child exiting
 * early and retry with a fresh port.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.unref();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => {
          if (address === null || typeof address === 'string') {
            reject(new Error('listening socket has no TCP address'));
          } else {
            resolve(address.port);
          }
        });
      });
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('could not find a free port on 127.0.0.1');
}
