import { createHash } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { AirlockError } from '@airlock/core/client';
import { resolveAirlockHome, type AirlockHome } from './airlock-home.js';

const accessTokenEntry = z.object({
  token: z.string(),
  /** Epoch milliseconds. */
  issuedAt: z.number(),
  expiresAt: z.number().optional(),
});

const cachedLogin = z.object({
  version: z.literal(1),
  gateway: z.string(),
  issuer: z.string(),
  clientId: z.string(),
  /** The gateway's own resource URL (RFC 9728 `resource` at the root). */
  gatewayResource: z.string(),
  /** Connection name → its resource URL, as granted at login. */
  connections: z.record(z.string(), z.string()),
  refreshToken: z.string().optional(),
  idToken: z.string().optional(),
  /** Resource URL → its access token. One per resource: the gateway wants aud = that resource. */
  accessTokens: z.record(z.string(), accessTokenEntry),
});

export type CachedLogin = z.infer<typeof cachedLogin>;
export type CachedAccessToken = z.infer<typeof accessTokenEntry>;

/**
 * One file per gateway under `<airlock home>/tokens/`, readable by its owner only (0600 in a 0700
 * folder): a refresh token is as good as the person's login. Written by rename, so a reader never
 * sees half a file.
 */
export class TokenCache {
  readonly dir: string;
  /** Which setting chose the folder, when it was resolved from the environment. */
  readonly chosenBy: AirlockHome['chosenBy'] | undefined;

  constructor(home: string | AirlockHome = resolveAirlockHome()) {
    this.dir = join(typeof home === 'string' ? home : home.dir, 'tokens');
    this.chosenBy = typeof home === 'string' ? undefined : home.chosenBy;
  }

  fileOf(gateway: string): string {
    const url = new URL(gateway);
    const readable = `${url.hostname}_${url.port || (url.protocol === 'https:' ? '443' : '80')}`.replace(
      /[^a-zA-Z0-9._-]/g,
      '_',
    );
    const digest = createHash('sha256').update(gateway).digest('hex').slice(0, 12);
    return join(this.dir, `${readable}-${digest}.json`);
  }

  read(gateway: string): CachedLogin | undefined {
    const file = this.fileOf(gateway);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw new AirlockError(
        'unauthenticated',
        `Cannot read the login cache ${file} (${code ?? String(cause)}). It should be yours and readable by you only (mode 0600): fix its owner or mode, or delete it and run airlock login --gateway ${gateway}.`,
        { cause },
      );
    }
    const parsed = cachedLogin.safeParse(JSON.parse(text));
    // A file this version cannot read is a login to redo, not a crash.
    return parsed.success && parsed.data.gateway === gateway ? parsed.data : undefined;
  }

  write(login: CachedLogin): string {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    // mkdir's mode applies only to folders it creates; tighten an existing one too.
    chmodSync(this.dir, 0o700);
    const file = this.fileOf(login.gateway);
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(login, null, 2)}\n`, { mode: 0o600 });
    renameSync(temporary, file);
    return file;
  }

  remove(gateway: string): boolean {
    const file = this.fileOf(gateway);
    try {
      statSync(file);
    } catch {
      return false;
    }
    rmSync(file, { force: true });
    return true;
  }

  /**
   * Runs `work` holding the gateway's lock file. Refresh tokens are usually single-use (rotated on
   * each refresh, and reuse of an old one revokes the whole grant), so two `airlock connect`
   * processes must not refresh with the same one at once.
   */
  async withLock<T>(gateway: string, work: () => Promise<T>): Promise<T> {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const lock = `${this.fileOf(gateway)}.lock`;
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        closeSync(openSync(lock, 'wx', 0o600));
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        // A holder that died leaves its lock behind; a refresh never takes 30 s.
        const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
        if (age > 30_000 || Date.now() > deadline) rmSync(lock, { force: true });
        await new Promise((r) => setTimeout(r, 25 + Math.random() * 50));
      }
    }
    try {
      return await work();
    } finally {
      rmSync(lock, { force: true });
    }
  }
}
