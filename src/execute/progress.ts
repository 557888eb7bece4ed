import type { CellStatus } from '../schema/result.ts';

/**
 * Progress while cells finish: a redrawn bar on a terminal, plain lines (at most every few seconds)
 * when output goes to a log (CI).
 */
interface Progress {
  tick(status: CellStatus): void;
  done(): void;
}

export function createProgress(opts: {
  total: number;
  isTTY: boolean;
  write: (text: string) => void;
  now?: () => number;
  everyMs?: number;
}): Progress {
  const now = opts.now ?? Date.now;
  const started = now();
  const counts = { pass: 0, fail: 0, error: 0 };
  let finished = 0;
  let lastLine = 0;
  const line = () => {
    const elapsed = (now() - started) / 1000;
    const eta = finished > 0 ? (elapsed / finished) * (opts.total - finished) : undefined;
    return `${finished}/${opts.total} cells  pass ${counts.pass}  fail ${counts.fail}  error ${counts.error}  ${elapsed.toFixed(0)}s elapsed${eta !== undefined && finished < opts.total ? `  ~${eta.toFixed(0)}s left` : ''}`;
  };
  const bar = () => {
    const width = 24;
    const filled = opts.total ? Math.round((finished / opts.total) * width) : width;
    return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${line()}`;
  };
  return {
    tick(status) {
      finished++;
      if (status === 'pass' || status === 'fail' || status === 'error') counts[status]++;
      if (opts.isTTY) opts.write(`\r${bar()}`);
      else if (now() - lastLine >= (opts.everyMs ?? 5000) || finished === opts.total) {
        lastLine = now();
        opts.write(`progress: ${line()}\n`);
      }
    },
    done() {
      if (opts.isTTY) opts.write('\n');
    },
  };
}
