/**
 * The bridge: a few lines of Node that run first inside every sandbox, as the parent of the agent program.
 *
 * The sandbox has no network but its own loopback, so whatever must cross its wall goes through Unix sockets
 * in a folder bound into it:
 * - `forward`: a loopback port inside (where the agent program thinks its model is) → a socket served by the
 *   harness's model proxy outside, which adds the real API key (`model-proxy.ts`);
 * - `expose`: a socket the harness connects to from outside → a loopback port inside (OpenCode's server API).
 * Then it starts the program with its own stdio, passes SIGTERM/SIGINT/SIGHUP on, and exits with its code.
 * When the program ends, the bridge ends, and with it the sandbox's pid namespace: every process the agent
 * left behind is killed by the kernel.
 *
 * Plain CommonJS in a string because it runs as `node -e` inside a sandbox where this project is not mounted.
 *
 * @example
 * bridgeArgv('/usr/bin/node', { forward: [{ port: 41001, socket: '/run/x/model.sock' }], expose: [] }, ['claude', '--print']);
 * // ['/usr/bin/node', '-e', '…', '{"forward":…}', 'claude', '--print']
 */

interface BridgeConfig {
  /** Loopback ports inside the sandbox, each bridged to a Unix socket served outside. */
  forward: Array<{ port: number; socket: string }>;
  /** Unix sockets the bridge listens on (reachable from outside through the bound folder), each to a loopback port inside. */
  expose: Array<{ socket: string; port: number }>;
  /** File-size limit in bytes applied to the program and everything it starts (RLIMIT_FSIZE, through bash's `ulimit -f`, in KiB). */
  maxFileBytes?: number;
}

const BRIDGE_SOURCE = `
const net = require('net');
const { spawn } = require('child_process');
const cfg = JSON.parse(process.argv[1]);
const argv = process.argv.slice(2);
const pipe = (a, b) => { a.on('error', () => b.destroy()); b.on('error', () => a.destroy()); a.pipe(b); b.pipe(a); };
const servers = [
  ...cfg.forward.map((f) => [net.createServer((c) => pipe(c, net.connect(f.socket))), [f.port, '127.0.0.1']]),
  ...cfg.expose.map((e) => [net.createServer((c) => pipe(c, net.connect(e.port, '127.0.0.1'))), [e.socket]]),
];
let pending = servers.length;
const start = () => {
  const cmd = cfg.maxFileBytes
    ? ['/bin/bash', '-c', 'ulimit -c 0 && ulimit -f ' + Math.ceil(cfg.maxFileBytes / 1024) + ' && exec "$@"', 'bash', ...argv]
    : argv;
  const child = spawn(cmd[0], cmd.slice(1), { stdio: 'inherit' });
  for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(s, () => child.kill(s));
  child.on('error', (e) => { process.stderr.write('sandbox bridge: ' + e.message + '\\n'); process.exit(127); });
  child.on('exit', (code, signal) => process.exit(code === null ? 128 + (require('os').constants.signals[signal] || 9) : code));
};
if (pending === 0) start();
for (const [server, args] of servers) {
  server.on('error', (e) => { process.stderr.write('sandbox bridge: ' + e.message + '\\n'); process.exit(126); });
  server.listen(...args, () => { if (--pending === 0) start(); });
}
`;

/** The argv that runs `command` under the bridge: `node -e <bridge> <config> <command…>`. */
export function bridgeArgv(node: string, config: BridgeConfig, command: string[]): string[] {
  return [node, '-e', BRIDGE_SOURCE, JSON.stringify(config), ...command];
}
