import { open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { SpoolPosition } from './spool-position.js';
import { syncDirectory } from './sync-directory.js';

export const CURSOR_FILE = 'cursors.json';

export type CursorMap = Readonly<Record<string, SpoolPosition>>;

export type CursorFileReading =
  | { readonly kind: 'missing' }
  | { readonly kind: 'cursors'; readonly cursors: CursorMap }
  | { readonly kind: 'unreadable'; readonly reason: string };

export async function readCursorFile(dir: string): Promise<CursorFileReading> {
  let text: string;
  try {
    text = await readFile(join(dir, CURSOR_FILE), 'utf8');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return { kind: 'missing' };
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as { version?: unknown; cursors?: unknown };
    if (parsed.version !== 1 || typeof parsed.cursors !== 'object' || parsed.cursors === null) {
      return { kind: 'unreadable', reason: 'not a version 1 cursor file' };
    }
    const cursors: Record<string, SpoolPosition> = {};
    for (const [sink, value] of Object.entries(parsed.cursors as Record<string, unknown>)) {
      const { segment, offset } = (value ?? {}) as { segment?: unknown; offset?: unknown };
      if (!Number.isSafeInteger(segment) || !Number.isSafeInteger(offset)) {
        return { kind: 'unreadable', reason: `cursor of ${sink} is not a position` };
      }
      cursors[sink] = { segment: segment as number, offset: offset as number };
    }
    return { kind: 'cursors', cursors };
  } catch (error) {
    return { kind: 'unreadable', reason: (error as Error).message };
  }
}

/**
 * Write-to-temporary, fsync, rename, fsync the directory: after a crash the file is either the
 * old cursors or the new ones, never a mix or empty. Old cursors only cause re-delivery, which
 * the at-least-once contract allows.
 */
export async function writeCursorFile(dir: string, cursors: CursorMap): Promise<void> {
  const path = join(dir, CURSOR_FILE);
  const temporary = `${path}.tmp`;
  const file = await open(temporary, 'w');
  try {
    await file.writeFile(`${JSON.stringify({ version: 1, cursors }, null, 2)}\n`);
    await file.datasync();
  } finally {
    await file.close();
  }
  await rename(temporary, path);
  await syncDirectory(dir);
}
