/**
 * One HTTP request as a {@link ScriptedModel} received it, with accessors for the parts of a
 * Responses API request that tests assert on.
 */

/** A JSON object from a request body, untrusted: read its members as `unknown`. */
export type JsonObject = Readonly<Record<string, unknown>>;

/** A `function_call_output` item codex sent back: the result of a tool call. */
export interface FunctionCallOutput {
  readonly callId: string;
  /** The output as codex sent it: usually a string, possibly an array of content items. */
  readonly output: unknown;
}

/** What the request looked like on the wire. */
export interface RecordedRequestInit {
  readonly sequence: number;
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly bodyText: string;
  readonly receivedAt: number;
  readonly reply: string;
}

/** A request received by the scripted model, in the order it arrived. */
export class RecordedRequest {
  /** 1-based arrival number, counted separately for model requests and other requests. */
  readonly sequence: number;
  readonly method: string;
  /** The request target, query included. */
  readonly url: string;
  /** The path, without the query (e.g. `/v1/responses`). */
  readonly path: string;
  /** Request headers, names in lower case; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  /** The body as received (UTF-8). */
  readonly bodyText: string;
  /** The body parsed as JSON; `undefined` when it was empty or not JSON. */
  readonly body: unknown;
  /** `Date.now()` when the body had been read. */
  readonly receivedAt: number;
  /**
   * What the request was answered with: a reply's label (`message`, `http 500`, `hang`, …),
   * `no reply queued`, or `not found`.
   */
  readonly reply: string;

  constructor(init: RecordedRequestInit) {
    this.sequence = init.sequence;
    this.method = init.method;
    this.url = init.url;
    this.path = init.url.split('?', 1)[0] ?? init.url;
    this.headers = init.headers;
    this.bodyText = init.bodyText;
    this.body = parseJson(init.bodyText);
    this.receivedAt = init.receivedAt;
    this.reply = init.reply;
  }

  /** A header by name (case-insensitive). */
  header(name: string): string | undefined {
    return this.headers[name.toLowerCase()];
  }

  /**
   * The id of the codex thread the request belongs to: the `thread-id` header codex sends
   * (0.169), else `client_metadata.thread_id` or `prompt_cache_key` of the body.
   */
  get threadId(): string | undefined {
    const metadata = this.member('client_metadata');
    const candidates = [
      this.header('thread-id'),
      isJsonObject(metadata) ? metadata['thread_id'] : undefined,
      this.member('prompt_cache_key'),
    ];
    return candidates.find((value): value is string => typeof value === 'string' && value.length > 0);
  }

  /** The id of the turn the request belongs to (`client_metadata.turn_id` of the body), if codex sent one. */
  get turnId(): string | undefined {
    const metadata = this.member('client_metadata');
    const turnId = isJsonObject(metadata) ? metadata['turn_id'] : undefined;
    return typeof turnId === 'string' && turnId.length > 0 ? turnId : undefined;
  }

  /** The `model` of a Responses API request. */
  get model(): string | undefined {
    const model = this.member('model');
    return typeof model === 'string' ? model : undefined;
  }

  /** The `input` items of a Responses API request (the whole conversation codex sends), objects only. */
  get input(): readonly JsonObject[] {
    const input = this.member('input');
    return Array.isArray(input) ? input.filter(isJsonObject) : [];
  }

  /** Names of the tools the request offers the model (`exec_command`, …). */
  get toolNames(): readonly string[] {
    const tools = this.member('tools');
    if (!Array.isArray(tools)) return [];
    return tools.filter(isJsonObject).flatMap((tool) => {
      const name = tool['name'] ?? tool['type'];
      return typeof name === 'string' ? [name] : [];
    });
  }

  /**
   * Every `input_text` of every `user` message, in order. Codex adds messages of its own as user
   * messages too (an `<environment_context>` block, AGENTS.md instructions), so assert with
   * `toContain` or use {@link lastUserText}.
   */
  get userTexts(): readonly string[] {
    return this.userContent().flatMap((part) =>
      part['type'] === 'input_text' && typeof part['text'] === 'string' ? [part['text']] : [],
    );
  }

  /** The text of the last user message (its `input_text` parts joined), if any. */
  get lastUserText(): string | undefined {
    const messages = this.messages('user');
    const last = messages[messages.length - 1];
    if (last === undefined) return undefined;
    return contentParts(last)
      .flatMap((part) => (part['type'] === 'input_text' && typeof part['text'] === 'string' ? [part['text']] : []))
      .join('');
  }

  /** The `image_url` of every `input_image` in user messages (codex sends local images as data URLs). */
  get userImages(): readonly string[] {
    return this.userContent().flatMap((part) =>
      part['type'] === 'input_image' && typeof part['image_url'] === 'string' ? [part['image_url']] : [],
    );
  }

  /** Every `function_call_output` item: the results of tool calls, in order. */
  get functionCallOutputs(): readonly FunctionCallOutput[] {
    return this.input.flatMap((item) =>
      item['type'] === 'function_call_output' && typeof item['call_id'] === 'string'
        ? [{ callId: item['call_id'], output: item['output'] }]
        : [],
    );
  }

  /** The `function_call_output` for `callId`, if the request carries one. */
  functionCallOutput(callId: string): FunctionCallOutput | undefined {
    return this.functionCallOutputs.find((entry) => entry.callId === callId);
  }

  /** The `message` items of `input` with this role (`user`, `assistant`, `developer`). */
  messages(role: string): readonly JsonObject[] {
    return this.input.filter((item) => item['type'] === 'message' && item['role'] === role);
  }

  private userContent(): JsonObject[] {
    return this.messages('user').flatMap(contentParts);
  }

  private member(name: string): unknown {
    return isJsonObject(this.body) ? this.body[name] : undefined;
  }
}

function contentParts(message: JsonObject): JsonObject[] {
  const content = message['content'];
  return Array.isArray(content) ? content.filter(isJsonObject) : [];
}

/** Whether a value is a non-array, non-null object. */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
