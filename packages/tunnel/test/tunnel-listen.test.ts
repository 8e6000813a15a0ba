import { expect, it } from 'vitest';
import { startServer } from './tunnel-harness.js';

it('says that the tunnel port is taken and where to choose another', async () => {
  const first = await startServer();
  try {
    await expect(startServer({ port: first.port })).rejects.toMatchObject({
      code: 'config_invalid',
      message: `Cannot open the tunnel listener on 127.0.0.1:${first.port}: another process is listening on that port. Stop it, or choose a free port in gateway.tunnel.listen.`,
    });
  } finally {
    await first.close();
  }
});
