import { readFile, readdir } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { CONSOLE_SECURITY_HEADERS } from './console-headers.js';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

interface Asset {
  readonly body: Buffer;
  readonly gzip: Buffer | undefined;
  readonly type: string;
  /** Hashed file names never change content: cache them for a year; index.html is checked each time. */
  readonly immutable: boolean;
}

/**
 * The console's built files (packages/console/dist), read into memory once: a few hundred KiB,
 * served with their precompressed `.gz` twin when the browser accepts gzip.
 */
export class ConsoleAssets {
  private constructor(private readonly files: ReadonlyMap<string, Asset>) {}

  /** Undefined when the folder holds no built console (`pnpm run build` was not run). */
  static async load(dir: string): Promise<ConsoleAssets | undefined> {
    const files = new Map<string, Asset>();
    const walk = async (sub: string): Promise<void> => {
      const entries = await readdir(join(dir, sub), { withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        const relative = sub === '' ? entry.name : `${sub}/${entry.name}`;
        if (entry.isDirectory()) await walk(relative);
        else if (!entry.name.endsWith('.gz') && TYPES[extname(entry.name)] !== undefined) {
          files.set(relative, {
            body: await readFile(join(dir, relative)),
            gzip: await readFile(join(dir, `${relative}.gz`)).catch(() => undefined),
            type: TYPES[extname(entry.name)] as string,
            immutable: relative.startsWith('assets/'),
          });
        }
      }
    };
    await walk('');
    return files.has('index.html') ? new ConsoleAssets(files) : undefined;
  }

  has(path: string): boolean {
    return this.files.has(path);
  }

  /** Sends `path` (relative to the console root); false when there is no such file. */
  send(req: IncomingMessage, res: ServerResponse, path: string): boolean {
    const asset = this.files.get(path);
    if (asset === undefined) return false;
    const gzip = asset.gzip !== undefined && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gzip ? (asset.gzip as Buffer) : asset.body;
    res.writeHead(200, {
      ...CONSOLE_SECURITY_HEADERS,
      'content-type': asset.type,
      'content-length': body.length,
      'cache-control': asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      vary: 'accept-encoding',
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  }
}
