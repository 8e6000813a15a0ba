import { spawnNode, type NodeProcess, type SpawnNodeOptions } from './spawn-node.js';

export interface ServerProcess {
  url: string;
  process: NodeProcess;
  close(): Promise<void>;
}

function announcedUrl(line: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed === 'object' && parsed !== null && 'url' in parsed && typeof parsed.url === 'string') {
      return parsed.url;
    }
  } catch {
    // not the announcement line
  }
  return undefined;
}

/**
 * Spawns one of the testkit's HTTP server bins (or any script that prints `{"url": ...}` as a JSON
 * line once listening) and resolves with that URL. The process is killed if it never announces.
 */
export async function startServerProcess(
  scriptPath: string,
  args: string[] = [],
  options: SpawnNodeOptions & { timeoutMs?: number } = {},
): Promise<ServerProcess> {
  const proc = spawnNode(scriptPath, args, options);
  try {
    const line = await proc.waitForLine((l) => announcedUrl(l) !== undefined, {
      timeoutMs: options.timeoutMs ?? 15_000,
    });
    return { url: announcedUrl(line)!, process: proc, close: () => proc.kill() };
  } catch (error) {
    await proc.kill();
    throw error;
  }
}
