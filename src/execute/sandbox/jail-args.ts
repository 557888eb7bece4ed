/**
 * The bubblewrap command line for one sandbox, from what it must see. Pure: the caller says which system
 * folders exist (and which are symlinks), so this is tested without a disk.
 *
 * What the sandbox is:
 * - its own user, mount, pid, network, IPC and UTS namespaces (`--unshare-all`), no capabilities, a new
 *   terminal session, killed with the harness (`--die-with-parent`);
 * - the system folders read-only; nothing else of the machine: not the project (`agents/`, `reports/`,
 *   `evals/`, `.env`), not the user's HOME — they are not mounted, so no path, quoting or symlink reaches them.
 *   A hidden path that lies under a system folder (a project in `/opt`) is covered by an empty tmpfs;
 * - the cell's folders (workspace copy, sandbox HOME) writable at the same paths as outside, the program's own
 *   files read-only (also where they lie inside a writable folder), a private `/tmp` of bounded size, its own `/proc` and a minimal `/dev`;
 * - an environment of exactly the variables given (`--clearenv`).
 *
 * @example
 * jailArgs({ system: [{ path: '/usr' }, { path: '/bin', symlink: 'usr/bin' }], readOnly: [], writable: ['/r/ws'],
 *   hidden: [], env: { PATH: '/usr/bin' }, cwd: '/r/ws', tmpBytes: 1 << 26, command: ['sh'] });
 */

export interface SystemPath {
  path: string;
  /** Set when the path is a symlink (`/bin -> usr/bin`): recreated as the same symlink inside. */
  symlink?: string;
}

interface JailSpec {
  system: SystemPath[];
  readOnly: string[];
  writable: string[];
  hidden: string[];
  env: Record<string, string>;
  cwd: string;
  tmpBytes: number;
  /** Writes bwrap's `{"child-pid": N}` (the namespace's first process, as the host sees it) to this fd. */
  infoFd?: number;
  command: string[];
}

const under = (path: string, folder: string) => path === folder || path.startsWith(folder.endsWith('/') ? folder : `${folder}/`);

/** The system folders a program needs to run, read-only. `/home`, `/root`, `/srv`, `/mnt`, `/media`, `/var`, `/run` are not among them. */
export const SYSTEM_FOLDERS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/etc', '/opt', '/nix'];

export function jailArgs(spec: JailSpec): string[] {
  const args = ['--unshare-all', '--die-with-parent', '--new-session', '--cap-drop', 'ALL', '--clearenv'];
  for (const s of spec.system) args.push(...(s.symlink ? ['--symlink', s.symlink, s.path] : ['--ro-bind', s.path, s.path]));
  args.push('--proc', '/proc', '--dev', '/dev', '--size', String(spec.tmpBytes), '--tmpfs', '/tmp');
  const bound = spec.system.filter((s) => !s.symlink).map((s) => s.path);
  for (const h of spec.hidden) if (bound.some((b) => under(h, b))) args.push('--tmpfs', h);
  for (const p of spec.writable) args.push('--bind', p, p);
  // After the writable folders, so a read-only folder inside one (a server's config) stays read-only.
  for (const p of spec.readOnly) args.push('--ro-bind', p, p);
  // The sandbox's own root (a tmpfs holding the mount points) read-only too: nothing but the binds above is writable.
  args.push('--remount-ro', '/');
  for (const [k, v] of Object.entries(spec.env)) args.push('--setenv', k, v);
  args.push('--chdir', spec.cwd);
  if (spec.infoFd !== undefined) args.push('--info-fd', String(spec.infoFd));
  args.push('--', ...spec.command);
  return args;
}
