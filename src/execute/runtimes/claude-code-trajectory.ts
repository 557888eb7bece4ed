/**
 * Builds a cell's trajectory from the Claude Agent SDK's message stream and the runtime's own permission
 * decisions. The stream gives every `tool_use` block (main agent and subagents) and the `tool_result`
 * that went back to the model; the decisions say which calls the runtime refused and why.
 *
 * The SDK's message types are described structurally here (only the fields read), so this file needs no
 * import of the optional SDK.
 *
 * @example
 * const recorder = createTrajectoryRecorder({ workspace, agentAllows: (tool) => tools.has(tool) });
 * for await (const message of query(...)) recorder.onMessage(message);
 * const { trajectory, answer } = recorder.finish();
 */
import { statSync } from 'node:fs';
import type { Delegation, ToolCall, ToolOutcome, Trajectory } from '../../shared/agent-runtime.ts';
import { workspaceRelative } from './sandbox-paths.ts';

/** Output kept per tool call, in characters. */
const OUTPUT_LIMIT = 4096;

interface Block {
  type: string;
  text?: string;
  id?: string;
  name?: string;
  input?: unknown;
  tool_use_id?: string;
  content?: unknown;
  is_error?: boolean;
}

/** The parts of an SDK message the recorder reads. */
export interface StreamMessage {
  type: string;
  subtype?: string;
  message?: { id?: string; content?: string | Block[] };
  parent_tool_use_id?: string | null;
  subagent_type?: string;
  [key: string]: unknown;
}

interface RecordedDecision {
  outcome: Extract<ToolOutcome, 'denied-by-agent' | 'denied-by-sandbox'>;
  reason: string;
}

interface PendingCall {
  id: string;
  tool: string;
  input: Record<string, unknown>;
  turn: number;
  /** The subagent that made the call (its `subagent_type`), undefined for the main agent. */
  agent?: string;
}

export interface TrajectoryRecorder {
  onMessage(message: StreamMessage): void;
  /** The runtime refused `toolUseId` (from the PreToolUse hook or `canUseTool`). First decision wins. */
  recordDecision(toolUseId: string, decision: RecordedDecision): void;
  /** Main-agent model turns so far. */
  readonly turns: number;
  /** Model responses so far (main agent and subagents) plus API retries: the requests the model answered. */
  readonly requests: number;
  /** API retries so far (the model server failed a request). */
  readonly retries: number;
  /** The last result message, if any. */
  readonly result: StreamMessage | undefined;
  /** `limit`: the bound that stopped the cell, if one did (a call left without a result is then a `limit` call). */
  finish(opts?: { limit?: string }): { trajectory: Trajectory; answer: string };
}

interface RecorderOptions {
  /** Real path of the workspace. */
  workspace: string;
  /** Whether the agent (or, for a subagent's call, that subagent) is allowed `tool` by its file. */
  agentAllows: (tool: string, agent?: string) => boolean;
  /** Tools the sandbox never offers (the web tools): a call to one the file allows is the sandbox's refusal. */
  sandboxWithholds?: ReadonlySet<string>;
}

function cut(text: string): string {
  return text.length <= OUTPUT_LIMIT ? text : `${text.slice(0, OUTPUT_LIMIT)}… [${text.length - OUTPUT_LIMIT} more characters]`;
}

function resultText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((b: Block) => (b.type === 'text' ? (b.text ?? '') : `[${b.type}]`)).join('\n');
  return '';
}

function blocks(message: StreamMessage): Block[] {
  const content = message.message?.content;
  if (content === undefined) return [];
  return typeof content === 'string' ? [{ type: 'text', text: content }] : content;
}

const NO_SUCH_TOOL = /No such tool available/;
const TOOL_USE_ERROR = /^\s*<tool_use_error>([\s\S]*?)<\/tool_use_error>\s*$/;

function isFile(root: string, path: string): boolean {
  try {
    return statSync(`${root}/${path}`).isFile();
  } catch {
    return false;
  }
}

/** What the recorder has seen so far. */
interface RecorderState {
  calls: PendingCall[];
  results: Map<string, { text: string; isError: boolean }>;
  decisions: Map<string, RecordedDecision>;
  responseIds: Set<string>;
  turns: number;
  retries: number;
  answer: string;
  answerMessageId?: string;
  result?: StreamMessage;
}

export function createTrajectoryRecorder(opts: RecorderOptions): TrajectoryRecorder {
  const state: RecorderState = {
    calls: [],
    results: new Map(),
    decisions: new Map(),
    responseIds: new Set(),
    turns: 0,
    retries: 0,
    answer: '',
  };
  return {
    onMessage(message) {
      if (message.type === 'assistant') onAssistant(state, message);
      else if (message.type === 'user') onToolResults(state, message);
      else if (message.type === 'system' && message.subtype === 'api_retry') state.retries++;
      else if (message.type === 'result') state.result = message;
    },
    recordDecision(toolUseId, decision) {
      if (!state.decisions.has(toolUseId)) state.decisions.set(toolUseId, decision);
    },
    get turns() {
      return state.turns;
    },
    get requests() {
      return state.responseIds.size + state.retries;
    },
    get retries() {
      return state.retries;
    },
    get result() {
      return state.result;
    },
    finish(end = {}) {
      const toolCalls: ToolCall[] = state.calls.map((call, index) => ({
        index,
        tool: call.tool,
        input: call.input,
        turn: call.turn,
        ...(call.agent ? { agent: call.agent } : {}),
        ...outcomeOf(call, state, opts, end.limit),
      }));
      const { result } = state;
      const resultAnswer = result?.subtype === 'success' && typeof result.result === 'string' ? result.result : undefined;
      return {
        trajectory: {
          runtime: 'claude-code',
          toolCalls,
          delegations: delegationsOf(toolCalls),
          turns: state.turns,
          filesRead: filesReadOf(toolCalls, opts.workspace),
          workspaceDiff: '',
          filesChanged: [],
        },
        answer: resultAnswer ?? state.answer,
      };
    },
  };
}

/** A model response (main agent or subagent): counts the turn once per response id, keeps its tool calls and text. */
function onAssistant(state: RecorderState, message: StreamMessage): void {
  const id = message.message?.id ?? `anonymous-${state.responseIds.size}`;
  const main = !message.parent_tool_use_id;
  if (!state.responseIds.has(id)) {
    state.responseIds.add(id);
    if (main) state.turns++;
  }
  for (const block of blocks(message)) {
    if (block.type === 'tool_use' && block.id) {
      const input = (typeof block.input === 'object' && block.input !== null ? block.input : {}) as Record<string, unknown>;
      state.calls.push({
        id: block.id,
        tool: block.name ?? '',
        input,
        turn: Math.max(state.turns, 1),
        agent: main ? undefined : (message.subagent_type ?? 'subagent'),
      });
    }
    if (block.type === 'text' && main) {
      // Claude Code emits one SDK message per content block; texts of the same response are joined.
      state.answer = state.answerMessageId === id ? `${state.answer}\n${block.text ?? ''}` : (block.text ?? '');
      state.answerMessageId = id;
    }
  }
}

function onToolResults(state: RecorderState, message: StreamMessage): void {
  for (const block of blocks(message)) {
    if (block.type === 'tool_result' && block.tool_use_id) {
      state.results.set(block.tool_use_id, { text: resultText(block.content), isError: block.is_error === true });
    }
  }
}

function outcomeOf(
  call: PendingCall,
  state: Pick<RecorderState, 'decisions' | 'results'>,
  opts: RecorderOptions,
  limit: string | undefined,
): Pick<ToolCall, 'outcome' | 'reason' | 'output'> {
  const decided = state.decisions.get(call.id);
  const seen = state.results.get(call.id);
  const output = seen ? cut(seen.text) : undefined;
  if (decided) return { outcome: decided.outcome, reason: decided.reason, output };
  if (!seen)
    return limit
      ? { outcome: 'limit', reason: `not run: ${limit}` }
      : { outcome: 'failed', reason: 'no result: the cell stopped before the tool returned' };
  if (seen.isError && NO_SUCH_TOOL.test(seen.text)) {
    if (!opts.agentAllows(call.tool, call.agent))
      return { outcome: 'denied-by-agent', reason: `${call.tool} is not in the agent's tools: list`, output };
    if (opts.sandboxWithholds?.has(call.tool))
      return { outcome: 'denied-by-sandbox', reason: `${call.tool} is a web tool; web tools are off in agentic cells`, output };
    return { outcome: 'failed', reason: `Claude Code does not offer ${call.tool}`, output };
  }
  const toolError = seen.isError ? TOOL_USE_ERROR.exec(seen.text) : null;
  if (toolError) return { outcome: 'failed', reason: (toolError[1] ?? '').trim().split('\n')[0]?.slice(0, 300), output };
  return { outcome: 'ran', output };
}

function delegationsOf(toolCalls: ToolCall[]): Delegation[] {
  return toolCalls.flatMap((call) =>
    (call.tool === 'Task' || call.tool === 'Agent') && call.outcome === 'ran' && call.agent === undefined
      ? [{ agent: String(call.input.subagent_type ?? 'general-purpose'), prompt: String(call.input.prompt ?? ''), callIndex: call.index }]
      : [],
  );
}

function filesReadOf(toolCalls: ToolCall[], workspace: string): string[] {
  const filesRead: string[] = [];
  for (const call of toolCalls) {
    if (call.outcome !== 'ran') continue;
    const path =
      call.input.file_path ?? call.input.notebook_path ?? (call.tool === 'Grep' || call.tool === 'Glob' ? call.input.path : undefined);
    if (!['Read', 'NotebookRead', 'Grep', 'Glob'].includes(call.tool) || typeof path !== 'string') continue;
    const rel = workspaceRelative(workspace, path);
    // A search over a folder is not a read of a file; a Read that ran was one, even if the file is gone now.
    const file = call.tool === 'Read' || call.tool === 'NotebookRead' || (rel !== undefined && isFile(workspace, rel));
    if (rel !== undefined && rel !== '' && file && !filesRead.includes(rel)) filesRead.push(rel);
  }
  return filesRead;
}
