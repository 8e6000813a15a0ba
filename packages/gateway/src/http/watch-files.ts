import { unwatchFile, watchFile } from 'node:fs';

/** How often a watched file's modification time is checked. */
const CHECK_MS = 1_000;

/**
 * Calls `onChange` when any of `files` gets a new modification time. Polled every second: polling
 * survives atomic renames (e.g. Kubernetes secret updates), and the timers do not keep the
 * process alive. Returns the function that stops watching.
 */
export function watchFilesForChange(files: readonly string[], onChange: () => void): () => void {
  const listener = (current: { mtimeMs: number }, previous: { mtimeMs: number }): void => {
    if (current.mtimeMs !== previous.mtimeMs) onChange();
  };
  for (const file of files) watchFile(file, { interval: CHECK_MS, persistent: false }, listener);
  return () => {
    for (const file of files) unwatchFile(file, listener);
  };
}
