/**
 * Builders for the output items of a scripted Responses API response: assistant messages,
 * reasoning, and function calls (the shell tool `exec_command`, and patches applied through it).
 * A reply (see `reply` in ./replies.ts) streams one or more of them.
 */
import { randomUUID } from 'node:crypto';
import { applyPatchCommand, formatPatch, type PatchOperation } from './patch.js';
import type { SseEvent } from './sse.js';

/**
 * How the model labels an assistant message. Codex copies it to the `phase` of the
 * `agentMessage` item; a message without one gets `phase: null`.
 */
export type MessagePhase = 'commentary' | 'partial_answer' | 'final_answer';

/** One output item of a response, as the stream events that carry it. */
export interface ScriptedOutputItem {
  /** The Responses API item type: `message`, `reasoning`, `function_call`, … */
  readonly type: string;
  /** The item id sent to codex (codex reuses a message's id as its `agentMessage` item id). */
  readonly id: string;
  /** The events that stream this item, given its index in the response's `output`. */
  readonly events: (outputIndex: number) => readonly SseEvent[];
}

/** Options of {@link output.message}. */
export interface MessageOutputOptions {
  /** Item id; a fresh `msg_…` id by default. */
  readonly id?: string | undefined;
  /** The message's phase (absent by default, as from models that do not label their messages). */
  readonly phase?: MessagePhase | undefined;
  /**
   * Split the text into this many `response.output_text.delta` events of near-equal length
   * (never splitting a Unicode code point). Ignored when the text is given as chunks. Default 1.
   */
  readonly deltas?: number | undefined;
}

/** Options of {@link output.reasoning}. */
export interface ReasoningOutputOptions {
  /** Item id; a fresh `rs_…` id by default. */
  readonly id?: string | undefined;
  /** Split each summary part into this many `response.reasoning_summary_text.delta` events. Default 1. */
  readonly deltas?: number | undefined;
}

/** Options of {@link output.functionCall}. */
export interface FunctionCallOutputOptions {
  /** The call id codex answers with a `function_call_output`; a fresh `call_…` id by default. */
  readonly callId?: string | undefined;
  /** Item id; a fresh `fc_…` id by default. */
  readonly id?: string | undefined;
}

/** Options of {@link output.shell} and {@link output.patch}. */
export interface ShellOutputOptions extends FunctionCallOutputOptions {
  /** Working directory of the command (`workdir`); the turn's cwd by default. */
  readonly workdir?: string | undefined;
  /**
   * How long codex waits for the command before answering with partial output (`yield_time_ms`).
   * Default 10 000, long enough for the short commands of a test to finish.
   */
  readonly yieldTimeMs?: number | undefined;
  /** Run the command in a login shell (`login`). Default `false`: faster and independent of rc files. */
  readonly login?: boolean | undefined;
  /**
   * More `exec_command` arguments, merged last: e.g.
   * `{ sandbox_permissions: 'require_escalated', justification: '…' }`.
   */
  readonly extraArguments?: Readonly<Record<string, unknown>> | undefined;
}

/** Builders for output items; pass them to `reply.response(…)` to stream several in one response. */
export const output = {
  /**
   * An assistant message streamed as `response.output_item.added`, `response.output_text.delta`
   * × n and `response.output_item.done`. Codex turns it into an `agentMessage` item with
   * `item/agentMessage/delta` notifications.
   *
   * @param text The whole text, or the exact chunks to stream (joined, they are the text).
   */
  message(text: string | readonly string[], options: MessageOutputOptions = {}): ScriptedOutputItem {
    const chunks = typeof text === 'string' ? splitText(text, options.deltas ?? 1) : [...text];
    const fullText = chunks.join('');
    const id = options.id ?? freshId('msg');
    const phase = options.phase === undefined ? {} : { phase: options.phase };
    return {
      type: 'message',
      id,
      events: (outputIndex) => [
        {
          type: 'response.output_item.added',
          output_index: outputIndex,
          item: { type: 'message', id, role: 'assistant', status: 'in_progress', content: [], ...phase },
        },
        ...chunks.map((delta) => ({
          type: 'response.output_text.delta',
          item_id: id,
          output_index: outputIndex,
          content_index: 0,
          delta,
        })),
        {
          type: 'response.output_item.done',
          output_index: outputIndex,
          item: {
            type: 'message',
            id,
            role: 'assistant',
            status: 'completed',
            content: [{ type: 'output_text', text: fullText, annotations: [] }],
            ...phase,
          },
        },
      ],
    };
  },

  /**
   * A reasoning item with a streamed summary: `response.output_item.added`, then per summary part
   * `response.reasoning_summary_part.added` and `response.reasoning_summary_text.delta` × n, then
   * `response.output_item.done`. Codex turns it into a `reasoning` item with
   * `item/reasoning/summaryTextDelta` notifications.
   *
   * @param summary The summary text, or several summary parts.
   */
  reasoning(summary: string | readonly string[], options: ReasoningOutputOptions = {}): ScriptedOutputItem {
    const parts = typeof summary === 'string' ? [summary] : [...summary];
    const id = options.id ?? freshId('rs');
    const deltas = options.deltas ?? 1;
    return {
      type: 'reasoning',
      id,
      events: (outputIndex) => [
        { type: 'response.output_item.added', output_index: outputIndex, item: { type: 'reasoning', id, summary: [] } },
        ...parts.flatMap((part, summaryIndex) => [
          {
            type: 'response.reasoning_summary_part.added',
            item_id: id,
            output_index: outputIndex,
            summary_index: summaryIndex,
            part: { type: 'summary_text', text: '' },
          },
          ...splitText(part, deltas).map((delta) => ({
            type: 'response.reasoning_summary_text.delta',
            item_id: id,
            output_index: outputIndex,
            summary_index: summaryIndex,
            delta,
          })),
        ]),
        {
          type: 'response.output_item.done',
          output_index: outputIndex,
          item: {
            type: 'reasoning',
            id,
            summary: parts.map((text) => ({ type: 'summary_text', text })),
          },
        },
      ],
    };
  },

  /**
   * A call of one of codex's tools, sent whole in `response.output_item.done`. Codex runs the tool
   * and sends the result in its next request as a `function_call_output` with the same `call_id`.
   *
   * @param args The arguments: an object (JSON-encoded here) or the exact JSON text.
   */
  functionCall(name: string, args: string | Readonly<Record<string, unknown>>, options: FunctionCallOutputOptions = {}): ScriptedOutputItem {
    const id = options.id ?? freshId('fc');
    const callId = options.callId ?? freshId('call');
    const argumentsText = typeof args === 'string' ? args : JSON.stringify(args);
    return {
      type: 'function_call',
      id,
      events: (outputIndex) => [
        {
          type: 'response.output_item.done',
          output_index: outputIndex,
          item: { type: 'function_call', id, call_id: callId, name, arguments: argumentsText, status: 'completed' },
        },
      ],
    };
  },

  /**
   * A shell command through codex's `exec_command` tool. Codex reports it as a
   * `commandExecution` item (asking for approval first when the approval policy wants it).
   */
  shell(command: string, options: ShellOutputOptions = {}): ScriptedOutputItem {
    return output.functionCall(
      'exec_command',
      {
        cmd: command,
        ...(options.workdir === undefined ? {} : { workdir: options.workdir }),
        login: options.login ?? false,
        yield_time_ms: options.yieldTimeMs ?? 10_000,
        ...options.extraArguments,
      },
      options,
    );
  },

  /**
   * A patch applied the way models do it: `apply_patch` with a heredoc through `exec_command`.
   * Codex reports it as a `fileChange` item (asking for approval first when the approval policy
   * wants it).
   *
   * @param patch The complete patch text (`*** Begin Patch` … `*** End Patch`), sent as is, or
   *   file operations to format into one.
   */
  patch(patch: string | readonly PatchOperation[], options: ShellOutputOptions = {}): ScriptedOutputItem {
    const text = typeof patch === 'string' ? patch : formatPatch(patch);
    return output.shell(applyPatchCommand(text), options);
  },

  /**
   * Any other output item, sent whole in one `response.output_item.done` (and first in a
   * `response.output_item.added` when `announce` is true).
   */
  raw(item: { readonly type: string; readonly id?: string | undefined; readonly [member: string]: unknown }, options: { readonly announce?: boolean | undefined } = {}): ScriptedOutputItem {
    const id = item.id ?? freshId('item');
    const full = { ...item, id };
    return {
      type: item.type,
      id,
      events: (outputIndex) => [
        ...(options.announce === true ? [{ type: 'response.output_item.added', output_index: outputIndex, item: full }] : []),
        { type: 'response.output_item.done', output_index: outputIndex, item: full },
      ],
    };
  },
};

/** A fresh id in the style of the Responses API: `<prefix>_<32 hex digits>`. */
export function freshId(prefix: string): string {
  return `${prefix}_${randomUUID().replaceAll('-', '')}`;
}

/**
 * Splits text into `count` pieces of near-equal length, never inside a code point. Gives exactly `count`
 * pieces, or one per code point when the text is shorter than that,, and none for the empty string.
 */
export function splitText(text: string, count: number): string[] {
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`deltas must be a positive integer, got ${count}`);
  }
  const codePoints = Array.from(text);
  const pieceCount = Math.min(count, codePoints.length);
  const pieces: string[] = [];
  for (let i = 0; i < pieceCount; i++) {
    const start = Math.floor((i * codePoints.length) / pieceCount);
    const end = Math.floor(((i + 1) * codePoints.length) / pieceCount);
    pieces.push(codePoints.slice(start, end).join(''));
  }
  return pieces;
}
