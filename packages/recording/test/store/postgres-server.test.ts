import { access } from 'node:fs/promises';
import pg from 'pg';
import { findPostgresBinaries, startPostgres } from '@airlock/testkit';
import { describe, expect, it } from 'vitest';

// The testkit helper the store suite depends on: a real server, on loopback, gone after stop().
describe('startPostgres (testkit)', () => {
  it('starts a loopback server that accepts queries and leaves nothing behind', async () => {
    const server = await startPostgres();
    let socketDir: string;
    try {
      expect(server.connectionString).toMatch(/^postgresql:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
      const client = new pg.Client({ connectionString: server.connectionString });
      await client.connect();
      const { rows } = await client.query<{ fsync: string; listen: string; sockets: string }>(
        `SELECT current_setting('fsync') AS fsync, current_setting('listen_addresses') AS listen,
                current_setting('unix_socket_directories') AS sockets`,
      );
      await client.end();
      expect(rows[0]).toMatchObject({ fsync: 'off', listen: '127.0.0.1' });
      socketDir = rows[0]!.sockets;
    } finally {
      await server.stop();
    }
    await expect(access(socketDir)).rejects.toThrow(/ENOENT/);
    await server.stop(); // twice is fine
  });

  it('says what to install when the server binaries are missing', async () => {
    await expect(findPostgresBinaries({ AIRLOCK_POSTGRES_BIN: '/nonexistent/bin' })).rejects.toThrow(
      /apt-get install postgresql/,
    );
  });
});
