import { open } from 'node:fs/promises';

/**
 * fsync on the directory makes creates, renames and unlinks in it durable: without it, power
 * loss can undo a rename (cursors.json) or lose a new segment file whose data was synced.
 */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
