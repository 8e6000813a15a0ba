import { spawn } from 'node:child_process';

/**
 * Opens `url` in the person's browser when there is one to open: not in CI, not over SSH without a
 * display, not when AIRLOCK_NO_BROWSER is set. Returns whether it tried; the URL is printed anyway.
 */
export function openBrowser(url: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env['CI'] || env['AIRLOCK_NO_BROWSER']) return false;
  let command: string;
  let args: string[];
  if (process.platform === 'darwin') {
    command = 'open';
    args = [url];
  } else if (process.platform === 'win32') {
    command = 'cmd';
    args = ['/c', 'start', '""', url.replace(/&/g, '^&')];
  } else {
    if (!env['DISPLAY'] && !env['WAYLAND_DISPLAY']) return false;
    command = 'xdg-open';
    args = [url];
  }
  try {
    const child = spawn(command, args, { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
    return true;
  } catch {
    return false;
  }
}

/** Whether an interactive browser login is likely to work here (else the device flow is the default). */
export function canOpenBrowser(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env['CI'] || env['AIRLOCK_NO_BROWSER'] || env['SSH_CONNECTION']) return false;
  return (
    process.platform === 'darwin' ||
    process.platform === 'win32' ||
    Boolean(env['DISPLAY'] || env['WAYLAND_DISPLAY'])
  );
}
