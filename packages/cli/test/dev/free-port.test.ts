import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, onFreePort } from '../../src/dev/free-port.js';

const HOST = '127.0.0.1';
const servers: Server[] = [];

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, HOST, () => {
      servers.push(server);
      resolve(server);
    });
  });
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

describe('onFreePort', () => {
  it('starts again on another port when the picked one was taken before the listen', async () => {
    // Another process takes the first pick between the pick and the listen.
    const taken = (await listen(0)).address() as AddressInfo;
    const picks: number[] = [];
    const pick = async (host: string): Promise<number> => {
      const port = picks.length === 0 ? taken.port : await freePort(host);
      picks.push(port);
      return port;
    };
    const server = await onFreePort(HOST, listen, pick);
    expect(picks).toHaveLength(2);
    expect(picks[0]).toBe(taken.port);
    expect((server.address() as AddressInfo).port).toBe(picks[1]);
  });

  it('gives up after five taken ports with the listen error', async () => {
    const taken = (await listen(0)).address() as AddressInfo;
    let picks = 0;
    const pick = async (): Promise<number> => {
      picks++;
      return taken.port;
    };
    await expect(onFreePort(HOST, listen, pick)).rejects.toMatchObject({ code: 'EADDRINUSE' });
    expect(picks).toBe(5);
  });

  it('does not retry other failures', async () => {
    let starts = 0;
    const start = async (): Promise<never> => {
      starts++;
      throw new Error('the identity provider would not start');
    };
    await expect(onFreePort(HOST, start)).rejects.toThrow('would not start');
    expect(starts).toBe(1);
  });

  it('finds EADDRINUSE behind a wrapping error', async () => {
    const taken = (await listen(0)).address() as AddressInfo;
    let picks = 0;
    const start = async (port: number): Promise<Server> => {
      try {
        return await listen(port);
      } catch (cause) {
        throw new Error('the gateway could not listen', { cause });
      }
    };
    const server = await onFreePort(HOST, start, async (host) =>
      picks++ === 0 ? taken.port : freePort(host),
    );
    expect((server.address() as AddressInfo).port).not.toBe(taken.port);
  });
});
