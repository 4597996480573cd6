// Several "hosts" on one machine, made of Linux network namespaces (iproute2), for tests that cut a
// host's network while its processes keep running. One hub namespace (the services) is linked by a
// veth pair to each host namespace, and by another to this process's own namespace, so the test
// reaches the hub's services over a real link while it stays outside:
//
//   this process (root ns) ──10.P/30── hub ──192.168.1.0/24── host 1
//                                          └─192.168.2.0/24── host 2 …
//
// The root↔hub subnet is the only one the root namespace sees, so it is derived from the pid (one
// /30 of 10.0.0.0/8 per pid: pids are below 2^22), and names carry the pid: two runs never collide,
// and a later run removes what a killed one left behind (namespaces and links of a pid that is gone,
// and the processes still inside them). The hub↔host subnets live only inside the run's namespaces.
// Needs root and iproute2; see netnsSupport().
import { execFileSync } from 'node:child_process';

const NS_PREFIX = 'anchorage-'; // anchorage-<pid>-<name>
const LINK_PREFIX = 'anc'; // anc<pid in base 36>-<link index><end>: at most 12 of the 15 characters allowed

export interface NetHost {
  name: string;
  /** Its network namespace: start its processes with `ip netns exec <ns>`. */
  ns: string;
  /** The host's own address on its link to the hub. */
  address: string;
  /** The hub's address on this host's link: what the host's processes dial to reach the hub. */
  hubAddress: string;
  /** The hub-side end of the link (down = the host is cut off). */
  hubLink: string;
}

export interface Network {
  hub: {
    ns: string;
    /** The hub's address on the link to this process: how the test reaches the hub's services. */
    address: string;
  };
  hosts: Record<string, NetHost>;
  /** Cuts a host off: its link's hub-side end goes down (packets are dropped, nothing is reset). */
  cut(host: string): void;
  restore(host: string): void;
  /** Kills whatever still runs in the namespaces and removes them and their links. Safe to call twice. */
  destroy(): void;
}

function ip(args: string[]): string {
  return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 15_000 });
}

function tryIp(args: string[]): string {
  try {
    return ip(args);
  } catch {
    return '';
  }
}

function errorText(error: unknown): string {
  const stderr = (error as { stderr?: string | Buffer }).stderr?.toString().trim();
  return stderr || (error as Error).message;
}

const linkTag = (pid: number) => `${LINK_PREFIX}${pid.toString(36)}`;

/** Whether this machine lets the test make namespaces and veth pairs; if not, why. */
export function netnsSupport(): { ok: true } | { ok: false; reason: string } {
  if (process.platform !== 'linux') return { ok: false, reason: `network namespaces need Linux, not ${process.platform}` };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'network namespaces need root (ip netns add)' };
  try {
    ip(['-V']);
  } catch {
    return { ok: false, reason: 'the ip command (iproute2) is not installed' };
  }
  const probe = `${NS_PREFIX}${process.pid}-probe`;
  try {
    ip(['netns', 'add', probe]);
    ip(['-n', probe, 'link', 'add', `${linkTag(process.pid)}-pa`, 'type', 'veth', 'peer', 'name', `${linkTag(process.pid)}-pb`]);
    ip(['netns', 'exec', probe, 'ip', 'link', 'set', 'lo', 'up']);
    return { ok: true };
  } catch (error) {
    return { ok: false, reason: `cannot make a network namespace with a veth pair: ${errorText(error)}` };
  } finally {
    tryIp(['netns', 'del', probe]);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Kills the processes inside a namespace (they were started there by a test run) and deletes it. */
function deleteNamespace(ns: string): void {
  for (const pid of tryIp(['netns', 'pids', ns]).split(/\s+/).filter(Boolean).map(Number)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  tryIp(['netns', 'del', ns]);
}

/** Removes the namespaces and root-side links of test runs whose process is gone; returns their names. */
export function removeStaleNetworks(): string[] {
  const removed: string[] = [];
  for (const line of tryIp(['netns', 'list']).split('\n')) {
    const ns = line.trim().split(/\s+/)[0];
    const match = ns ? new RegExp(`^${NS_PREFIX}(\\d+)-`).exec(ns) : null;
    if (!match || Number(match[1]) === process.pid || alive(Number(match[1]))) continue;
    deleteNamespace(ns);
    removed.push(ns);
  }
  for (const line of tryIp(['-o', 'link', 'show']).split('\n')) {
    const match = new RegExp(`^\\d+:\\s+(${LINK_PREFIX}([0-9a-z]+)-\\d+[a-z])[@:]`).exec(line);
    if (!match) continue;
    const pid = parseInt(match[2], 36);
    if (pid === process.pid || alive(pid)) continue;
    tryIp(['link', 'del', match[1]]);
    removed.push(match[1]);
  }
  return removed;
}

const toAddress = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
const toNumber = (a: string) => a.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);

/** Throws if the root namespace already routes some of the addresses of `first`/`bits`. */
function checkRootRoutes(first: number, bits: number): void {
  const size = 2 ** (32 - bits);
  const routes = JSON.parse(tryIp(['-j', '-4', 'route', 'show']) || '[]') as { dst: string; dev?: string }[];
  for (const { dst, dev } of routes) {
    if (dst === 'default') continue;
    const [address, prefix = '32'] = dst.split('/');
    const start = toNumber(address);
    const end = start + 2 ** (32 - Number(prefix));
    if (start < first + size && first < end) {
      throw new Error(`the test link ${toAddress(first)}/${bits} overlaps the route ${dst} (dev ${dev}) of this machine`);
    }
  }
}

let created = false;

/**
 * Makes the hub and one namespace per host name, with their links, `lo` up everywhere. One network
 * per process (its root link's subnet comes from the pid).
 */
export function createNetwork(hostNames: string[]): Network {
  if (created) throw new Error('createNetwork: one network per process');
  if (hostNames.length > 250) throw new Error('createNetwork: at most 250 hosts');
  removeStaleNetworks();
  const pid = process.pid;
  if (pid >= 2 ** 22) throw new Error(`pid ${pid} does not fit the 10.0.0.0/8 scheme`);
  const tag = linkTag(pid);
  const base = toNumber('10.0.0.0') + pid * 4; // 10.P/30: .1 here, .2 the hub
  checkRootRoutes(base, 30);
  created = true;

  const hubNs = `${NS_PREFIX}${pid}-hub`;
  const namespaces: string[] = [];
  const rootLink = `${tag}-0r`;
  const hosts: Record<string, NetHost> = {};
  let destroyed = false;
  const destroy = () => {
    if (destroyed) return;
    destroyed = true;
    for (const ns of namespaces.reverse()) deleteNamespace(ns);
    tryIp(['link', 'del', rootLink]); // gone with the hub already, unless something held the hub open
    created = false;
  };

  try {
    const addNamespace = (ns: string) => {
      ip(['netns', 'add', ns]);
      namespaces.push(ns);
      ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    };
    addNamespace(hubNs);
    ip(['link', 'add', rootLink, 'type', 'veth', 'peer', 'name', `${tag}-0h`, 'netns', hubNs]);
    ip(['addr', 'add', `${toAddress(base + 1)}/30`, 'dev', rootLink]);
    ip(['-n', hubNs, 'addr', 'add', `${toAddress(base + 2)}/30`, 'dev', `${tag}-0h`]);
    ip(['link', 'set', rootLink, 'up']);
    ip(['-n', hubNs, 'link', 'set', `${tag}-0h`, 'up']);

    hostNames.forEach((name, index) => {
      const n = index + 1;
      const ns = `${NS_PREFIX}${pid}-${name}`;
      addNamespace(ns);
      const hubLink = `${tag}-${n}h`;
      const hostLink = `${tag}-${n}w`;
      ip(['-n', hubNs, 'link', 'add', hubLink, 'type', 'veth', 'peer', 'name', hostLink, 'netns', ns]);
      ip(['-n', hubNs, 'addr', 'add', `192.168.${n}.1/24`, 'dev', hubLink]);
      ip(['-n', ns, 'addr', 'add', `192.168.${n}.2/24`, 'dev', hostLink]);
      ip(['-n', hubNs, 'link', 'set', hubLink, 'up']);
      ip(['-n', ns, 'link', 'set', hostLink, 'up']);
      hosts[name] = { name, ns, address: `192.168.${n}.2`, hubAddress: `192.168.${n}.1`, hubLink };
    });
  } catch (error) {
    destroy();
    throw new Error(`could not build the test network: ${errorText(error)}`);
  }

  const host = (name: string) => {
    const h = hosts[name];
    if (!h) throw new Error(`no host ${name}`);
    return h;
  };
  return {
    hub: { ns: hubNs, address: toAddress(base + 2) },
    hosts,
    cut: (name) => void ip(['-n', hubNs, 'link', 'set', host(name).hubLink, 'down']),
    restore: (name) => void ip(['-n', hubNs, 'link', 'set', host(name).hubLink, 'up']),
    destroy,
  };
}
