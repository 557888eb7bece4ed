import { describe, expect, it } from 'vitest';
import { jailArgs } from './jail-args.ts';

const spec = {
  system: [{ path: '/usr' }, { path: '/bin', symlink: 'usr/bin' }, { path: '/opt' }],
  readOnly: ['/opt/tools/claude', '/r/ws/.config'],
  writable: ['/r/ws', '/r/home'],
  hidden: ['/opt/project', '/home/me'],
  env: { PATH: '/usr/bin', HOME: '/r/home' },
  cwd: '/r/ws',
  tmpBytes: 1024,
  command: ['claude', '--print'],
};

const pairs = (args: string[], flag: string) => args.flatMap((a, i) => (a === flag ? [args.slice(i + 1, i + 3).join(' ')] : []));

describe('jailArgs', () => {
  it('unshares every namespace, drops capabilities, clears the environment and dies with the harness', () => {
    const args = jailArgs(spec);
    for (const flag of ['--unshare-all', '--die-with-parent', '--new-session', '--clearenv']) expect(args).toContain(flag);
    expect(args).not.toContain('--share-net');
    expect(args.slice(args.indexOf('--cap-drop'), args.indexOf('--cap-drop') + 2)).toEqual(['--cap-drop', 'ALL']);
    expect(pairs(args, '--setenv')).toEqual(['PATH /usr/bin', 'HOME /r/home']);
  });

  it('binds the system read-only, keeps symlinks, and hides a project that lies under a system folder', () => {
    const args = jailArgs(spec);
    expect(pairs(args, '--ro-bind')).toEqual([
      '/usr /usr',
      '/opt /opt',
      '/opt/tools/claude /opt/tools/claude',
      '/r/ws/.config /r/ws/.config',
    ]);
    expect(pairs(args, '--symlink')).toEqual(['usr/bin /bin']);
    // /home/me is not under a bound folder: it is simply not there. /opt/project is covered by an empty tmpfs.
    expect(args.filter((_a, i) => args[i - 1] === '--tmpfs')).toEqual(['/tmp', '/opt/project']);
  });

  it('mounts writable folders before read-only ones (a read-only folder inside a writable one stays read-only), then makes the root read-only', () => {
    const args = jailArgs(spec);
    const at = (value: string) => args.indexOf(value);
    expect(pairs(args, '--bind')).toEqual(['/r/ws /r/ws', '/r/home /r/home']);
    expect(at('/r/ws/.config')).toBeGreaterThan(at('/r/ws'));
    expect(at('--remount-ro')).toBeGreaterThan(at('/r/ws/.config'));
    expect(args.slice(args.indexOf('--size'), args.indexOf('--size') + 4)).toEqual(['--size', '1024', '--tmpfs', '/tmp']);
  });

  it('ends with the command after --', () => {
    const args = jailArgs({ ...spec, infoFd: 3 });
    expect(args.slice(-3)).toEqual(['--', 'claude', '--print']);
    expect(pairs(args, '--info-fd')).toEqual(['3 --']);
  });
});
