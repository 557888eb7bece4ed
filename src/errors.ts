/**
 * User-facing errors. Each has a stable `code`, the file and place it concerns, and prints as one line.
 * The CLI's single handler (`program.ts`) prints a `UserError` without a stack and returns exit code 2;
 * anything else is a bug and is printed with its stack.
 */

export interface Place {
  /** Path as the user would type it (relative to the project root where possible). */
  file?: string;
  line?: number;
  column?: number;
  /** CSV row (1-based, header is row 1). */
  row?: number;
  /** Dotted field path, e.g. `assert[2].value`. */
  field?: string;
}

export abstract class UserError extends Error {
  abstract readonly code: string;
  /** Exit code the CLI uses for this error. Input and configuration errors are 2. */
  readonly exitCode: number = 2;

  constructor(
    readonly detail: string,
    readonly place: Place = {},
  ) {
    super(formatPlace(place) + detail);
  }
}

export class AgentError extends UserError {
  readonly code = 'AGENT_INVALID';
}
export class ScenarioError extends UserError {
  readonly code = 'SCENARIO_INVALID';
}
export class EvalConfigError extends UserError {
  readonly code = 'EVAL_CONFIG_INVALID';
}
export class DataFileError extends UserError {
  readonly code = 'DATA_FILE_INVALID';
}
export class UsageError extends UserError {
  readonly code = 'USAGE';
}
/** A configured model cannot run in a mode where that must not pass silently (`--ci`). */
export class ProviderUnavailableError extends UserError {
  readonly code = 'PROVIDER_UNAVAILABLE';
}

/** `file:line:column: field: ` prefix; parts that are unknown are left out. */
export function formatPlace(place: Place): string {
  let where = place.file ?? '';
  if (place.row !== undefined) where += `:row ${place.row}${place.column !== undefined ? `:column ${place.column}` : ''}`;
  else if (place.line !== undefined) where += `:${place.line}${place.column !== undefined ? `:${place.column}` : ''}`;
  const parts = [where, place.field].filter((p): p is string => Boolean(p));
  return parts.length ? `${parts.join(': ')}: ` : '';
}

/** Longest quoted value in a message, in characters. */
const EXCERPT_CHARS = 40;

/**
 * A value from an input file, quoted for a one-line message: JSON, cut to a short excerpt so that a
 * wrong file (`--config /etc/passwd`) is named, never printed whole.
 *
 * @example
 * quoteValue('hot') // '"hot"'
 * quoteValue('root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:…') // '"root:x:0:0:root:/root:/bin/bash\\ndaemon…"'
 */
export function quoteValue(value: unknown): string {
  if (typeof value === 'string') {
    const json = JSON.stringify(value);
    return json.length <= EXCERPT_CHARS + 2 ? json : `${JSON.stringify(value.slice(0, EXCERPT_CHARS)).slice(0, -1)}…"`;
  }
  const json = JSON.stringify(value) ?? String(value);
  return json.length <= EXCERPT_CHARS ? json : `${json.slice(0, EXCERPT_CHARS)}…`;
}

/** Several input errors found in one pass; printed one per line. */
export class UserErrors extends UserError {
  readonly code = 'INPUT_INVALID';
  constructor(readonly errors: UserError[]) {
    super(errors.map((e) => e.message).join('\n'));
  }
}

export function isUserError(err: unknown): err is UserError {
  return err instanceof UserError;
}
