import * as z from 'zod';

/**
 * Scenario files (`scenarios/**\/*.yaml|yml|csv`): a user request, assertions about a good answer, and
 * reference answers that prove the assertions can tell a good answer from a bad one.
 * CSV rows are turned into the same shape and checked by the same schema.
 */

/** Lower-case words joined by `-`: scenario and assertion ids. */
const ID_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;
const Id = z.string().regex(ID_PATTERN, 'expected lower-case letters, digits, ".", "_" or "-", e.g. "fitness-app"');

const Text = z.string().trim().min(1);

/** A regular expression source, checked at load time so a typo is a load error and not a failing cell. */
const Pattern = Text.refine((s) => {
  try {
    new RegExp(s, 'u');
    return true;
  } catch {
    return false;
  }
}, 'expected a valid regular expression');

/** Fields every assertion accepts. */
const common = {
  /** Stable id used in reports and history; derived from kind and value when absent (`mentions-jwt`). */
  id: Id.optional().describe('assertion id (default: derived from kind and value, e.g. mentions-jwt)'),
  /** Share of the scenario score; 0 makes the assertion informational. */
  weight: z.number().min(0).default(1).describe('weight in the scenario score (default 1)'),
  /** A critical failure fails the scenario whatever the score. */
  critical: z.boolean().default(false).describe('when true, failing this assertion fails the scenario whatever the score'),
};

const Terms = z.union([Text, z.array(Text).min(1)]);

function kind<K extends string, S extends z.ZodRawShape>(type: K, shape: S, description: string) {
  return z.strictObject({ type: z.literal(type), ...common, ...shape }).describe(description);
}

// Text kinds: promptfoo's own assertion types, passed through.
const Contains = kind('contains', { value: Text }, 'output contains the text (case-sensitive)');
const IContains = kind('icontains', { value: Text }, 'output contains the text (case-insensitive)');
const ContainsAny = kind('contains-any', { value: z.array(Text).min(1) }, 'output contains at least one of the texts');
const ContainsAll = kind('contains-all', { value: z.array(Text).min(1) }, 'output contains every one of the texts');
const NotContains = kind('not-contains', { value: Text }, 'output does not contain the text');
const Regex = kind('regex', { value: Pattern }, 'output matches the regular expression (JavaScript syntax, no flags)');
const NotRegex = kind('not-regex', { value: Pattern }, 'output does not match the regular expression');
const StartsWith = kind('starts-with', { value: Text }, 'output starts with the text');
const IsJson = kind('is-json', {}, 'output is valid JSON');
const Javascript = kind(
  'javascript',
  { value: Text },
  'promptfoo JavaScript assertion: an expression over `output` returning a boolean or a 0..1 score',
);

// Domain kinds: implemented once, as promptfoo JavaScript assertions with named metrics.
const Mentions = kind('mentions', { value: Terms }, 'mentions at least one of the terms (case- and plural-insensitive, whole words)');
const MentionsAll = kind('mentions-all', { value: z.array(Text).min(1) }, 'mentions every one of the terms');
const HasSection = kind('has-section', { value: Pattern }, 'has a Markdown heading matching the pattern (case-insensitive)');
const HasCodeBlock = kind(
  'has-code-block',
  { value: Text.optional().describe('language of the fenced block: mermaid, sql, yaml, http, … (default: any)') },
  'has a fenced code block, optionally of a language',
);
const HasTable = kind('has-table', {}, 'has a Markdown table');
const AsksClarifyingQuestions = kind(
  'asks-clarifying-questions',
  { min: z.number().int().min(1).default(1).describe('fewest questions (default 1)') },
  'asks the user at least `min` questions',
);
const WordCount = kind(
  'word-count',
  { min: z.number().int().min(0).optional(), max: z.number().int().min(1).optional() },
  'answer length in words is within min..max',
)
  .refine((a) => a.min !== undefined || a.max !== undefined, { message: 'expected "min", "max" or both' })
  .refine((a) => a.min === undefined || a.max === undefined || a.min <= a.max, { message: 'expected "min" ≤ "max"', path: ['min'] });

// Model-graded.
const Rubric = kind(
  'rubric',
  {
    value: Text.describe('what a good answer does, in plain words; graded by the eval grader model'),
    threshold: z.number().min(0).max(1).optional().describe('grader score needed to pass (0..1)'),
  },
  'graded by the grader model against the rubric (promptfoo llm-rubric)',
);

// On what the agent did (its trajectory): agent runtimes only (claude-code, opencode).
const ToolName = Text.describe('tool name as the runtime names it (case-insensitive): Read, Bash, read, bash, Task…');
const ToolCalled = kind(
  'tool-called',
  {
    tool: ToolName,
    pattern: Pattern.optional().describe("regular expression over the call's input, as JSON"),
    min: z.number().int().min(0).optional(),
    max: z.number().int().min(0).optional(),
  },
  'the agent called the tool (at least min, at most max times); refused attempts count',
);
const ToolNotCalled = kind(
  'tool-not-called',
  { tool: ToolName, pattern: Pattern.optional() },
  'the agent never called the tool (with an input matching the pattern); refused attempts count',
);
const ToolOrder = kind('tool-order', { value: z.array(ToolName).min(2) }, 'the tools were first called in this order');
const MaxToolCalls = kind('max-tool-calls', { value: z.number().int().min(0) }, 'at most this many tool calls');
const MaxTurns = kind('max-turns', { value: z.number().int().min(1) }, 'at most this many model turns');
const ReadsFile = kind(
  'reads-file',
  { value: Text.describe('glob over workspace paths, e.g. src/**/*.ts') },
  'the agent read a file matching the glob',
);
const NoWrites = kind('no-writes', {}, 'the workspace is unchanged after the cell');
const FileChanged = kind(
  'file-changed',
  { value: Text.describe('glob over workspace paths') },
  'a file matching the glob was created, changed or deleted',
);
const FileContains = kind(
  'file-contains',
  { file: Text, value: Pattern },
  'after the cell, the workspace file matches the regular expression',
);
const NoPermissionViolations = kind(
  'no-permission-violations',
  {},
  'the agent never attempted a tool or command its own frontmatter denies',
);
const DelegatesTo = kind('delegates-to', { value: Text.describe('agent name') }, 'the agent delegated to this agent');

export const Assertion = z.discriminatedUnion('type', [
  Contains,
  IContains,
  ContainsAny,
  ContainsAll,
  NotContains,
  Regex,
  NotRegex,
  StartsWith,
  IsJson,
  Javascript,
  Mentions,
  MentionsAll,
  HasSection,
  HasCodeBlock,
  HasTable,
  AsksClarifyingQuestions,
  WordCount,
  Rubric,
  ToolCalled,
  ToolNotCalled,
  ToolOrder,
  MaxToolCalls,
  MaxTurns,
  ReadsFile,
  NoWrites,
  FileChanged,
  FileContains,
  NoPermissionViolations,
  DelegatesTo,
]);
export type Assertion = z.infer<typeof Assertion>;
/** Assertions as they leave the loader: every id resolved. */
export type NormalizedAssertion = Assertion & { id: string };
export type AssertionKind = Assertion['type'];

/** Kinds that judge what an agent did: they apply only on an agent runtime. */
export const TRAJECTORY_KINDS: readonly AssertionKind[] = [
  'tool-called',
  'tool-not-called',
  'tool-order',
  'max-tool-calls',
  'max-turns',
  'reads-file',
  'no-writes',
  'file-changed',
  'file-contains',
  'no-permission-violations',
  'delegates-to',
];

/** Every kind, in the order above: for messages ("did you mean …") and the CSV columns. */
export const ASSERTION_KINDS: AssertionKind[] = Assertion.options.map((o) => o.shape.type.value);

export const Message = z.strictObject({
  role: z.enum(['system', 'user', 'assistant']),
  content: Text,
});
export type Message = z.infer<typeof Message>;

/**
 * A reference answer: inline Markdown, a path to a `.md` file next to the scenario (a one-line string
 * ending in `.md`), or an object with a label.
 */
const TrajectoryFile = Text.regex(/\.json$/i, 'expected a path ending in .json').describe(
  'a reference trajectory (JSON) for assertions on what the agent did',
);
export const Example = z.union([
  Text,
  z.strictObject({ label: Text.optional(), text: Text, trajectory: TrajectoryFile.optional() }),
  z.strictObject({
    label: Text.optional(),
    file: Text.regex(/\.md$/i, 'expected a path ending in .md'),
    trajectory: TrajectoryFile.optional(),
  }),
]);
export type Example = z.infer<typeof Example>;

const Examples = z.strictObject({
  pass: z.array(Example).default([]).describe('answers every assertion must accept'),
  fail: z.array(Example).default([]).describe('answers the scenario must reject'),
});

export const Scenario = z
  .strictObject({
    id: Id.describe('unique across every scenario file'),
    title: Text,
    agent: z
      .union([Text, z.array(Text).min(1)])
      .optional()
      .describe('agent name(s), variant id(s) or globs (default: every agent)'),
    tags: z.array(Text).default([]),
    request: Text.optional().describe('the user message (or use "messages")'),
    messages: z.array(Message).min(1).optional().describe('a short conversation ending with a user turn (or use "request")'),
    vars: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
    weight: z.number().positive().default(1).describe('weight of the scenario in aggregate scores'),
    threshold: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe(
        'when set, the scenario passes if the weighted score ≥ threshold and every critical assertion passes; when unset every assertion must pass',
      ),
    workspace: Text.optional().describe('agent runtimes: a folder next to the scenario file; each cell runs in a fresh copy of it'),
    allow: z
      .array(z.enum(['bash']))
      .default([])
      .describe('agent runtimes: what the agent may do beyond reading and editing its copy (bash)'),
    peers: z
      .array(Text.regex(/\.md$/i, 'expected a path ending in .md'))
      .default([])
      .describe(
        'agent runtimes: agent files next to the scenario (e.g. peers/security-auditor.md) the agent may delegate to, installed beside it in every cell',
      ),
    assert: z.array(Assertion).min(1),
    examples: Examples.optional().describe('reference answers for `agent-evals calibrate`'),
  })
  .superRefine((s, ctx) => {
    if ((s.request === undefined) === (s.messages === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['request'], message: 'expected exactly one of "request" or "messages"' });
    }
    const last = s.messages?.[s.messages.length - 1];
    if (last && last.role !== 'user') {
      ctx.addIssue({
        code: 'custom',
        path: ['messages', s.messages!.length - 1, 'role'],
        message: `expected the conversation to end with a user turn, got "${last.role}"`,
      });
    }
  });
export type Scenario = z.infer<typeof Scenario>;

/** A YAML file holds one scenario, or several under `scenarios:`. */
export const ScenarioFile = z.union([Scenario, z.strictObject({ scenarios: z.array(Scenario).min(1) })]);
export type ScenarioFile = z.infer<typeof ScenarioFile>;
