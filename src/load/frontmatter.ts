import matter from 'gray-matter';
import { isYamlError, parseYamlSource, type YamlSource, type YamlSyntaxError } from './yaml-source.ts';

/** A Markdown file split at its frontmatter: the YAML text and the body after the closing `---`. */
type SplitFile = { ok: true; yaml: string; body: string; bodyLine: number } | { ok: false; line: number; message: string };

/**
 * Splits `text` (already decoded: LF line endings, no BOM) into frontmatter and body with gray-matter.
 * A file must open with a `---` line and close the block with another; an unclosed block would
 * otherwise swallow the whole prompt as YAML and fail with a puzzling YAML message.
 */
export function splitFrontmatter(text: string): SplitFile {
  if (!/^---[ \t]*\n/.test(text)) {
    return { ok: false, line: 1, message: 'no YAML frontmatter; expected the file to start with a `---` line' };
  }
  // gray-matter closes the block at the first "\n---" after the opening line; so do we.
  if (text.indexOf('\n---', 3) === -1) {
    return { ok: false, line: 1, message: 'frontmatter is not closed; expected a `---` line after it' };
  }
  // The engine is a no-op: we parse the raw block ourselves to keep line positions.
  const parsed = matter(text, { engines: { yaml: () => ({}) } });
  // `parsed.matter` starts with the newline after the opening `---`, so its lines match the file's.
  return { ok: true, yaml: parsed.matter, body: parsed.content, bodyLine: findBodyLine(text, parsed.content) };
}

/** 1-based line of the first non-blank line of the body (or the line after the frontmatter). */
function findBodyLine(text: string, content: string): number {
  const start = text.length - content.length;
  const lead = /^\s*/.exec(content)?.[0] ?? '';
  const upTo = text.slice(0, start + lead.lastIndexOf('\n') + 1);
  return upTo.split('\n').length;
}

type FrontmatterYaml = { ok: true; source: YamlSource; lenient?: YamlSyntaxError } | { ok: false; error: YamlSyntaxError };

/**
 * Strict YAML first. Claude Code reads frontmatter leniently, and real files (8 of 158 in the
 * corpus) hold an unquoted `: ` inside a description; for those we quote such plain values and
 * parse again, and return the strict error as `lenient` for a warning. Anything else is an error.
 * See docs/agent-files.md.
 */
export function readFrontmatterYaml(raw: string): FrontmatterYaml {
  const strict = parseYamlSource(raw, 0);
  if (!isYamlError(strict)) return { ok: true, source: strict };
  const first = strict.errors[0]!;
  const lenient = parseYamlSource(quotePlainScalars(raw), 0);
  if (!isYamlError(lenient)) return { ok: true, source: lenient, lenient: first };
  return { ok: false, error: first };
}

/**
 * The top-level key whose entry holds `line` (1-based, in the file's numbering), so that a YAML
 * syntax error can name its field.
 */
export function keyAtLine(raw: string, line: number | undefined): string | undefined {
  if (line === undefined) return undefined;
  const lines = raw.split('\n');
  for (let i = Math.min(line, lines.length) - 1; i >= 0; i--) {
    const m = /^([A-Za-z_][\w-]*)[ \t]*:/.exec(lines[i]!);
    if (m) return m[1];
  }
  return undefined;
}

const PLAIN_TOP_LEVEL = /^([A-Za-z_][\w-]*):[ \t]+([^"'[{|>&*!#\s].*)$/;

/** Quotes top-level plain values holding `: ` (or ` #`), as `description: Use when: x` needs. */
function quotePlainScalars(raw: string): string {
  return raw
    .split('\n')
    .map((line) => {
      const m = PLAIN_TOP_LEVEL.exec(line);
      if (!m || !/: |\s#/.test(m[2]!)) return line;
      return `${m[1]}: ${JSON.stringify(m[2]!.trimEnd())}`;
    })
    .join('\n');
}
