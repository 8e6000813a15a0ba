import { createServer, type AddressInfo, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { AirlockError } from '../../src/errors/airlock-error.js';
import { listenFailure } from '../../src/net/listen-failure.js';

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

describe('listenFailure', () => {
  it('says that another process holds the port, and where to choose another (a real EADDRINUSE)', async () => {
    const holder = await listen(0);
    const { port } = holder.address() as AddressInfo;
    try {
      const cause = await listen(port).then(
        (s) => {
          s.close();
          throw new Error('the second listen should have failed');
        },
        (error: unknown) => error,
      );
      const failure = listenFailure(
        cause,
        "the gateway's MCP listener",
        `127.0.0.1:${port}`,
        'gateway.listen',
      );
      expect(failure).toBeInstanceOf(AirlockError);
      expect(failure.code).toBe('config_invalid');
      expect(failure.message).toBe(
        `Cannot open the gateway's MCP listener on 127.0.0.1:${port}: another process is listening on that port. Stop it, or choose a free port in gateway.listen.`,
      );
      expect(failure.cause).toBe(cause);
    } finally {
      holder.close();
    }
  });

  it('explains a privileged port, an address not of this machine, and anything else', () => {
    const eacces = Object.assign(new Error('listen EACCES: permission denied 0.0.0.0:443'), {
      code: 'EACCES',
    });
    expect(listenFailure(eacces, 'the local proxy', '0.0.0.0:443', '--port').message).toBe(
      'Cannot open the local proxy on 0.0.0.0:443: not permitted (ports below 1024 need privileges). Choose a port above 1023 in --port, or grant the process CAP_NET_BIND_SERVICE.',
    );
    const notHere = Object.assign(new Error('listen EADDRNOTAVAIL'), { code: 'EADDRNOTAVAIL' });
    expect(
      listenFailure(notHere, 'the tunnel listener', '10.9.9.9:8443', 'gateway.tunnel.listen').message,
    ).toMatch(
      /that address is not one of this machine's\. Set gateway\.tunnel\.listen to one of its addresses/,
    );
    // gRPC reports the code only inside its message.
    const grpc = new Error('No address added out of total 1 resolved: bind EADDRINUSE 127.0.0.1:8443');
    expect(
      listenFailure(grpc, 'the tunnel listener', '127.0.0.1:8443', 'gateway.tunnel.listen').message,
    ).toMatch(/another process is listening on that port/);
    const other = Object.assign(new Error('something else'), { code: 'EMFILE' });
    expect(
      listenFailure(other, 'the operations listener', '127.0.0.1:9090', 'operations.listen').message,
    ).toBe('Cannot open the operations listener on 127.0.0.1:9090 (EMFILE); check operations.listen.');
  });
});
