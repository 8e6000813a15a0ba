import { execFileSync, spawnSync } from 'node:child_process';

/**
 * Separate network hosts on one machine: a Linux network namespace per host, each with one veth
 * into a bridge in the root namespace (the "switch"; the test process itself is the host at
 * `<prefix>.1`, where the MCP clients run). Addresses come from 198.18.0.0/15, the range RFC 2544
 * sets aside for network benchmarks; nothing routes it off this machine, and every address used is
 * one the test made. Names carry a per-run tag, and `destroy()` removes all of it (call it in a
 * `finally` or `afterAll`, also after a failure).
 */
export interface NetworkHost {
  readonly name: string;
  /** The namespace's name (`ip netns exec <ns> ...`). */
  readonly namespace: string;
  readonly address: string;
  /** `ip netns exec <ns>` + argv: runs a command on this host. */
  command(argv: readonly string[]): string[];
  run(argv: readonly string[]): string;
}

export interface NetworkHosts {
  readonly hosts: Map<string, NetworkHost>;
  /** The root namespace's address on the bridge (where the test process lives). */
  readonly clientAddress: string;
  host(name: string): NetworkHost;
  /** Drops every connection into `host` that it did not open (nftables), loopback excepted. */
  dropInbound(name: string): void;
  /**
   * Adds `ms` of delay to everything `host` sends (netem), so a round trip between two delayed
   * hosts gets 2×. Returns why it could not (a kernel without sch_netem), or undefined when done.
   */
  delay(name: string, ms: number): string | undefined;
  /** Cuts `host` off the network (its link goes down), as a machine that dies does. */
  unplug(name: string): void;
  destroy(): void;
}

function ip(...args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Why network hosts cannot be built here, or undefined when they can. */
export function networkHostsUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'building network namespaces needs root (as in CI)';
  for (const tool of ['ip', 'tc']) {
    if (spawnSync('which', [tool]).status !== 0) return `the "${tool}" command is missing (iproute2)`;
  }
  return undefined;
}

/** Installs nftables when it is missing (root, Debian): the firewall of the private-subnet host. */
export function ensureNftables(): void {
  if (spawnSync('which', ['nft']).status === 0) return;
  execFileSync('apt-get', ['update'], { stdio: 'ignore', timeout: 300_000 });
  execFileSync('apt-get', ['install', '-y', 'nftables'], { stdio: 'ignore', timeout: 300_000 });
}

/** Builds `names` as hosts `<subnet>.10`, `.11`, ... on one bridge; the root namespace is `<subnet>.1`. */
export function buildNetworkHosts(names: readonly string[], subnet = '198.18.0'): NetworkHosts {
  // Short: interface names are at most 15 characters.
  const tag = `al${(process.pid % 10_000).toString(36)}${Math.floor(Math.random() * 36 ** 2).toString(36)}`;
  const bridge = `${tag}br`;
  const created: { namespaces: string[]; links: string[] } = { namespaces: [], links: [] };
  const hosts = new Map<string, NetworkHost>();
  const destroy = (): void => {
    for (const ns of created.namespaces) {
      // Processes still in the namespace keep it alive; kill them before deleting it.
      const pids =
        spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout?.trim().split(/\s+/) ?? [];
      for (const pid of pids) if (pid) spawnSync('kill', ['-9', pid]);
      spawnSync('ip', ['netns', 'del', ns]);
    }
    for (const link of created.links) spawnSync('ip', ['link', 'del', link]);
    created.namespaces.length = 0;
    created.links.length = 0;
  };
  try {
    ip('link', 'add', bridge, 'type', 'bridge');
    created.links.push(bridge);
    ip('addr', 'add', `${subnet}.1/24`, 'dev', bridge);
    ip('link', 'set', bridge, 'up');
    names.forEach((name, index) => {
      const namespace = `${tag}-${name}`;
      const outer = `${tag}v${index}`;
      const address = `${subnet}.${10 + index}`;
      ip('netns', 'add', namespace);
      created.namespaces.push(namespace);
      ip('link', 'add', outer, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', namespace);
      created.links.push(outer);
      ip('link', 'set', outer, 'master', bridge);
      ip('link', 'set', outer, 'up');
      ip('-n', namespace, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
      ip('-n', namespace, 'link', 'set', 'eth0', 'up');
      ip('-n', namespace, 'link', 'set', 'lo', 'up');
      const command = (argv: readonly string[]): string[] => ['ip', 'netns', 'exec', namespace, ...argv];
      hosts.set(name, {
        name,
        namespace,
        address,
        command,
        run: (argv) => {
          const [file, ...rest] = command(argv);
          return execFileSync(file as string, rest, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
        },
      });
    });
  } catch (error) {
    destroy();
    throw error;
  }
  const host = (name: string): NetworkHost => {
    const found = hosts.get(name);
    if (!found) throw new Error(`no network host named ${name}`);
    return found;
  };
  return {
    hosts,
    clientAddress: `${subnet}.1`,
    host,
    dropInbound(name) {
      const script = [
        'table inet airlock_firewall {',
        '  chain inbound {',
        '    type filter hook input priority 0; policy drop;',
        '    iif "lo" accept',
        '    ct state established,related accept',
        '  }',
        '}',
      ].join('\n');
      const [file, ...rest] = host(name).command(['nft', '-f', '-']);
      execFileSync(file as string, rest, { input: script, stdio: ['pipe', 'ignore', 'pipe'] });
    },
    delay(name, ms) {
      try {
        host(name).run(['tc', 'qdisc', 'add', 'dev', 'eth0', 'root', 'netem', 'delay', `${ms}ms`]);
        return undefined;
      } catch (error) {
        const reason = String((error as { stderr?: unknown }).stderr ?? (error as Error).message).trim();
        return `tc netem is not available here (${reason})`;
      }
    },
    unplug(name) {
      host(name).run(['ip', 'link', 'set', 'eth0', 'down']);
    },
    destroy,
  };
}
