/**
 * Replies a {@link ScriptedModel} gives to `POST /v1/responses`, one per request, and the `reply`
 * builders that make them. A reply is plain data: it can be built once and enqueued many times.
 */
import { freshId, output, type MessageOutputOptions, type ReasoningOutputOptions, type ScriptedOutputItem, type ShellOutputOptions } from './output-items.js';
import type { PatchOperation } from './patch.js';
import type { SseEvent } from './sse.js';

/** Token counts reported in `response.completed`; codex forwards them in `thread/tokenUsage/updated`. */
export interface ScriptedTokenUsage {
  readonly inputTokens: number;
  readonly outputTokens: number;
  /** Part of `inputTokens` served from the prompt cache. Default 0. */
  readonly cachedInputTokens?: number | undefined;
  /** Part of `outputTokens` spent on reasoning. Default 0. */
  readonly reasoningOutputTokens?: number | undefined;
  /** Default `inputTokens + outputTokens`. */
  readonly totalTokens?: number | undefined;
}

/**
 * The usage a reply reports when it names none, so that `result.usage` is filled offline as it is
 * with a real model. The figures are made up; pass `usage` to assert on your own.
 */
export const DEFAULT_SCRIPTED_USAGE: Readonly<Required<ScriptedTokenUsage>> = Object.freeze({
  inputTokens: 100,
  cachedInputTokens: 0,
  outputTokens: 10,
  reasoningOutputTokens: 0,
  totalTokens: 110,
});

/** Options every reply accepts. */
export interface ReplyOptions {
  /** Wait this long after the request arrived before sending anything (a slow model). Default 0. */
  readonly delayMs?: number | undefined;
  /** Extra HTTP response headers. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

/** Options of the replies that stream a response. */
export interface StreamReplyOptions extends ReplyOptions {
  /** The response id (`resp_…` by default). */
  readonly responseId?: string | undefined;
  /** Wait this long between two events (to observe streaming). Default 0: all events at once. */
  readonly eventDelayMs?: number | undefined;
}

/** Options of the replies that end with `response.completed`. */
export interface CompletedReplyOptions extends StreamReplyOptions {
  /**
   * Token usage to report in `response.completed`. Default {@link DEFAULT_SCRIPTED_USAGE};
   * `null` reports none (codex then sends no `thread/tokenUsage/updated`, and `usage` is `null`).
   */
  readonly usage?: ScriptedTokenUsage | null | undefined;
}

/**
 * A reply streamed as server-sent events (HTTP 200, `text/event-stream`): `events` are sent; if
 * `holdUntilReleased`, the stream then stays open until `ScriptedModel.releaseHanging()` (or
 * `close()`), and `eventsAfterRelease` follow; finally the stream ends cleanly (`end`) or the
 * connection is destroyed (`drop`).
 */
export interface ScriptedStreamReply {
  readonly kind: 'stream';
  /** A short description, kept in the request record (e.g. `message`, `hang`). */
  readonly label: string;
  readonly events: readonly SseEvent[];
  readonly holdUntilReleased: boolean;
  readonly eventsAfterRelease: readonly SseEvent[];
  readonly ending: 'end' | 'drop';
  readonly delayMs: number;
  readonly eventDelayMs: number;
  readonly headers: Readonly<Record<string, string>>;
}

/** A reply that is a plain HTTP response: `status`, JSON `body` (a string is sent as is), `headers`. */
export interface ScriptedHttpReply {
  readonly kind: 'http';
  readonly label: string;
  readonly status: number;
  readonly body: unknown;
  readonly delayMs: number;
  readonly headers: Readonly<Record<string, string>>;
}

/** Anything `ScriptedModel.enqueue` accepts. Build them with {@link reply}. */
export type ScriptedReply = ScriptedStreamReply | ScriptedHttpReply;

/** Options of {@link reply.httpError}. */
export interface HttpErrorReplyOptions extends ReplyOptions {
  /** `error.message` of the default body. */
  readonly message?: string | undefined;
  /** `error.code` of the default body (`rate_limit_exceeded` for 429, else none). */
  readonly code?: string | undefined;
  /** `error.type` of the default body. */
  readonly type?: string | undefined;
  /** Sends a `retry-after` header with this many seconds. */
  readonly retryAfterSeconds?: number | undefined;
  /** The whole body, replacing the default `{ error: { message, type, code } }`. */
  readonly body?: unknown;
}

/** Options of {@link reply.failed}. */
export interface FailedReplyOptions extends StreamReplyOptions {
  /** `response.error.code`. Default `server_error`. */
  readonly code?: string | undefined;
  /** `response.error.message`. */
  readonly message?: string | undefined;
  /** Output items streamed before the failure. */
  readonly before?: readonly ScriptedOutputItem[] | undefined;
}

/** Options of {@link reply.hang}. */
export interface HangReplyOptions extends CompletedReplyOptions {
  /** Output items streamed before the stream stalls (after `response.created`). */
  readonly before?: readonly ScriptedOutputItem[] | undefined;
  /** Output items streamed once released, before `response.completed`. */
  readonly after?: readonly ScriptedOutputItem[] | undefined;
  /**
   * What a release does: finish the response (`complete`, the default: `after` items and
   * `response.completed`) or destroy the connection (`drop`).
   */
  readonly onRelease?: 'complete' | 'drop' | undefined;
}

/** Options of {@link reply.drop}. */
export interface DropReplyOptions extends StreamReplyOptions {
  /** Output items streamed before the connection is destroyed. */
  readonly before?: readonly ScriptedOutputItem[] | undefined;
  /**
   * Send only the first `afterEvents` events (counting `response.created`) and then destroy the
   * connection, e.g. to cut a message in the middle of its deltas. Default: all of them.
   */
  readonly afterEvents?: number | undefined;
}

/** Options of {@link reply.events}. */
export interface RawEventsReplyOptions extends StreamReplyOptions {
  /** End the stream cleanly (default) or destroy the connection after the events. */
  readonly ending?: 'end' | 'drop' | undefined;
}

/** Builders for every kind of scripted reply. */
export const reply = {
  /**
   * A complete response streaming `items` in order, then `response.completed` (with `usage` when
   * given). Use it to compose, e.g. reasoning then a message, or a message then a shell command.
   */
  response(items: readonly ScriptedOutputItem[], options: CompletedReplyOptions = {}): ScriptedStreamReply {
    const responseId = options.responseId ?? freshId('resp');
    return stream(items.map((item) => item.type).join('+') || 'empty response', options, {
      events: [created(responseId), ...itemEvents(items), completed(responseId, options.usage)],
    });
  },

  /** A response holding one assistant message (see `output.message`). */
  message(text: string | readonly string[], options: MessageOutputOptions & CompletedReplyOptions = {}): ScriptedStreamReply {
    return reply.response([output.message(text, options)], options);
  },

  /** A response holding one reasoning item (see `output.reasoning`). */
  reasoning(summary: string | readonly string[], options: ReasoningOutputOptions & CompletedReplyOptions = {}): ScriptedStreamReply {
    return reply.response([output.reasoning(summary, options)], options);
  },

  /**
   * A response asking codex to run a shell command (see `output.shell`). Codex runs it, then sends
   * the next request with its `function_call_output`: enqueue the reply to that too.
   */
  shell(command: string, options: ShellOutputOptions & CompletedReplyOptions = {}): ScriptedStreamReply {
    return reply.response([output.shell(command, options)], options);
  },

  /**
   * A response asking codex to apply a patch (see `output.patch`). Like {@link reply.shell}, it
   * needs a next reply for the request that carries the patch's result.
   */
  patch(patch: string | readonly PatchOperation[], options: ShellOutputOptions & CompletedReplyOptions = {}): ScriptedStreamReply {
    return reply.response([output.patch(patch, options)], options);
  },

  /**
   * An HTTP error instead of a stream: `status` with a JSON body
   * `{ error: { message, type, code } }` (or `options.body`). Codex retries it unless the
   * provider's `request_max_retries` is 0, as in `ScriptedModel.codexConfig()`.
   */
  httpError(status: number, options: HttpErrorReplyOptions = {}): ScriptedHttpReply {
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new RangeError(`httpError status must be an HTTP error status (400-599), got ${status}`);
    }
    const code = options.code ?? (status === 429 ? 'rate_limit_exceeded' : undefined);
    const body =
      options.body ??
      {
        error: {
          message: options.message ?? `ScriptedModel: scripted HTTP ${status}`,
          type: options.type ?? defaultErrorType(status),
          code: code ?? null,
        },
      };
    const headers: Record<string, string> = { ...options.headers };
    if (options.retryAfterSeconds !== undefined) headers['retry-after'] = String(options.retryAfterSeconds);
    return { kind: 'http', label: `http ${status}`, status, body, delayMs: options.delayMs ?? 0, headers };
  },

  /**
   * A stream that fails: `response.created`, the `before` items, then
   * `response.failed { response: { error: { code, message } } }`.
   */
  failed(options: FailedReplyOptions = {}): ScriptedStreamReply {
    const responseId = options.responseId ?? freshId('resp');
    const error = {
      code: options.code ?? 'server_error',
      message: options.message ?? 'ScriptedModel: scripted response.failed',
    };
    return stream(`failed ${error.code}`, options, {
      events: [
        created(responseId),
        ...itemEvents(options.before ?? []),
        { type: 'response.failed', response: { id: responseId, object: 'response', status: 'failed', error } },
      ],
    });
  },

  /**
   * A stream that stalls: headers, `response.created` and the `before` items are sent, then
   * nothing until the test calls `ScriptedModel.releaseHanging()` (or `close()`). Use it to
   * interrupt or steer a turn that is in flight.
   */
  hang(options: HangReplyOptions = {}): ScriptedStreamReply {
    const responseId = options.responseId ?? freshId('resp');
    const drop = options.onRelease === 'drop';
    return stream('hang', options, {
      events: [created(responseId), ...itemEvents(options.before ?? [])],
      holdUntilReleased: true,
      eventsAfterRelease: drop ? [] : [...itemEvents(options.after ?? [], options.before?.length ?? 0), completed(responseId, options.usage)],
      ending: drop ? 'drop' : 'end',
    });
  },

  /** A stream whose connection is destroyed after some events, before `response.completed`. */
  drop(options: DropReplyOptions = {}): ScriptedStreamReply {
    const responseId = options.responseId ?? freshId('resp');
    const events = [created(responseId), ...itemEvents(options.before ?? [])];
    const afterEvents = options.afterEvents ?? events.length;
    if (!Number.isInteger(afterEvents) || afterEvents < 0) {
      throw new RangeError(`afterEvents must be a non-negative integer, got ${afterEvents}`);
    }
    return stream('drop', options, { events: events.slice(0, afterEvents), ending: 'drop' });
  },

  /** Exactly these events, for shapes the other builders do not make. Nothing is added. */
  events(events: readonly SseEvent[], options: RawEventsReplyOptions = {}): ScriptedStreamReply {
    return stream('events', options, { events: [...events], ending: options.ending ?? 'end' });
  },
};

/** Maps token usage to the `usage` object of `response.completed`. */
export function formatUsage(usage: ScriptedTokenUsage): Record<string, unknown> {
  return {
    input_tokens: usage.inputTokens,
    input_tokens_details: { cached_tokens: usage.cachedInputTokens ?? 0 },
    output_tokens: usage.outputTokens,
    output_tokens_details: { reasoning_tokens: usage.reasoningOutputTokens ?? 0 },
    total_tokens: usage.totalTokens ?? usage.inputTokens + usage.outputTokens,
  };
}

function stream(
  label: string,
  options: StreamReplyOptions,
  parts: Pick<ScriptedStreamReply, 'events'> & Partial<Pick<ScriptedStreamReply, 'holdUntilReleased' | 'eventsAfterRelease' | 'ending'>>,
): ScriptedStreamReply {
  return {
    kind: 'stream',
    label,
    events: parts.events,
    holdUntilReleased: parts.holdUntilReleased ?? false,
    eventsAfterRelease: parts.eventsAfterRelease ?? [],
    ending: parts.ending ?? 'end',
    delayMs: nonNegative('delayMs', options.delayMs ?? 0),
    eventDelayMs: nonNegative('eventDelayMs', options.eventDelayMs ?? 0),
    headers: { ...options.headers },
  };
}

function itemEvents(items: readonly ScriptedOutputItem[], firstIndex = 0): SseEvent[] {
  return items.flatMap((item, index) => item.events(firstIndex + index));
}

function created(responseId: string): SseEvent {
  return { type: 'response.created', response: { id: responseId, object: 'response', status: 'in_progress' } };
}

function completed(responseId: string, given: ScriptedTokenUsage | null | undefined): SseEvent {
  const usage = given === undefined ? DEFAULT_SCRIPTED_USAGE : given;
  return {
    type: 'response.completed',
    response: {
      id: responseId,
      object: 'response',
      status: 'completed',
      ...(usage === null ? {} : { usage: formatUsage(usage) }),
    },
  };
}

function defaultErrorType(status: number): string {
  if (status === 401) return 'invalid_request_error';
  if (status === 429) return 'requests';
  return status >= 500 ? 'server_error' : 'invalid_request_error';
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a non-negative number, got ${value}`);
  return value;
}
