/**
 * What a command needs from the outside world, passed in rather than read from globals so that
 * commands can be tested without a process: the project root, the environment, and two writers.
 */
export interface Context {
  /** Project root: the folder holding `agents/`, `scenarios/`, `evals/`, `reports/`. */
  root: string;
  env: NodeJS.ProcessEnv;
  out: (line: string) => void;
  err: (line: string) => void;
  /** Raw text to the progress stream (stderr), for a redrawn progress bar. */
  write: (text: string) => void;
  /** True when stdout is an interactive terminal (progress bar instead of lines). */
  isTTY: boolean;
  debug: boolean;
  /** This process's id: the owner written into a run folder's lock. */
  pid: number;
  /** Aborted on Ctrl-C: in-flight work is abandoned, finished work is kept. */
  signal?: AbortSignal;
}
