import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { InvalidArgumentError } from '../errors.js';
import type { Notification } from '../generated/methods.js';
import type { DynamicToolCallOutputContentItem, DynamicToolCallParams, DynamicToolCallResponse, DynamicToolSpec } from '../generated/protocol.js';
import { checkTimeout, describe } from './validate.js';

// Local tools: TypeScript functions the model can call. codex offers them to the model as
// "dynamic tools" (`thread/start.dynamicTools`) and asks the client to run one with the
// `item/tool/call` server request. It waits for the answer for ever, so every call here has a
// deadline, and any failure becomes a `success: false` answer the model can read: a JSON-RPC
// error would reach the model only as "dynamic tool request failed".

/** A JSON Schema object, sent to the server (and the model) as the tool's parameters. */
export type JsonSchema = Readonly<Record<string, unknown>>;

/**
 * A Standard Schema validator (zod 4, valibot, arktype, ...): checked and typed by the library
 * itself. Its JSON Schema comes from `~standard.jsonSchema` (Standard JSON Schema) or a
 * `toJSONSchema()` method; libraries with neither need an explicit `jsonSchema`.
 */
export interface StandardSchema<Input = unknown, Output = Input> {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
    readonly jsonSchema?: { readonly input: (options: { readonly target: string }) => Record<string, unknown> } | undefined;
  };
}

type StandardResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<{ readonly message: string; readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined }> };

/** The output type of a Standard Schema (what `execute` receives). */
export type InferSchemaOutput<S> = S extends StandardSchema<unknown, infer Output> ? Output : never;

/** What `execute` learns about the call besides its arguments. */
export interface ToolCallContext {
  /**
   * Fires when the answer is no longer wanted: the turn was interrupted or aborted, the call's
   * deadline passed, the connection dropped (with `reconnect`, the server sends the call again
   * and the tool runs again), or the client closed. Pass it on to `fetch` and the like.
   */
  readonly signal: AbortSignal;
  readonly threadId: string;
  readonly turnId: string;
  /** The model's call id (also the `dynamicToolCall` item's id). */
  readonly callId: string;
}

/** One content item of a tool's answer: text, or an image by URL (`data:` URLs work offline). */
export type ToolContent = { readonly type: 'text'; readonly text: string } | { readonly type: 'image'; readonly url: string } | DynamicToolCallOutputContentItem;

/**
 * What `execute` may return: a string, content items (text and images, e.g. built with the
 * SDK's `text()` and `image()`), or any other JSON value, sent as its JSON text.
 */
export type ToolOutput = string | readonly ToolContent[] | undefined | null | number | boolean | object;

type Execute<Args> = (args: Args, context: ToolCallContext) => ToolOutput | Promise<ToolOutput>;

interface ToolDefinitionBase {
  /** Letters, digits, `_` and `-` (what the Responses API accepts); not a name of a built-in tool. */
  readonly name: string;
  /** Tells the model what the tool does and when to call it. */
  readonly description: string;
  /** Only in a namespace: left out of the model's tool list until it searches for it (models with tool search). */
  readonly deferLoading?: boolean | undefined;
  /** This tool's deadline per call, in ms; over the client's `toolTimeoutMs`. */
  readonly timeoutMs?: number | undefined;
}

/** A tool whose arguments are described by a Standard Schema validator. */
export interface StandardToolDefinition<S extends StandardSchema> extends ToolDefinitionBase {
  readonly inputSchema: S;
  /** The JSON Schema to send, when the library cannot produce one itself. */
  readonly jsonSchema?: JsonSchema | undefined;
  readonly execute: Execute<InferSchemaOutput<S>>;
}

/** A tool whose arguments are described by a plain JSON Schema; name their type as the type parameter. */
export interface JsonSchemaToolDefinition<Args> extends ToolDefinitionBase {
  readonly inputSchema: JsonSchema;
  readonly execute: Execute<Args>;
}

/** A local tool, made by `tool()`. Pass it in `tools` to `threadStart()`, `threadResume()` or `threadFork()`. */
export interface LocalTool {
  readonly type: 'function';
  readonly name: string;
  readonly description: string;
  /** The JSON Schema sent to the server. */
  readonly inputSchema: JsonSchema;
  readonly deferLoading: boolean;
}

/** Tools grouped under one name; the model calls them as `namespace.tool`. */
export interface ToolNamespace {
  readonly type: 'namespace';
  readonly name: string;
  readonly description: string;
  readonly tools: readonly LocalTool[];
}

export type ToolSpec = LocalTool | ToolNamespace;

/** How one tool checks its arguments and runs. Kept off the public object. */
interface ToolRuntime {
  /** The parsed arguments, or what is wrong with them. */
  readonly check: (args: unknown) => Promise<{ ok: true; value: unknown } | { ok: false; problem: string }>;
  readonly execute: Execute<unknown>;
  readonly timeoutMs: number | undefined;
}

const runtimes = new WeakMap<LocalTool, ToolRuntime>();
/** Namespaces made by `toolNamespace()`, whose members have been checked. */
const namespaces = new WeakSet<ToolNamespace>();

const NAME = /^[a-zA-Z0-9_-]+$/;

/**
 * Tools codex offers the model itself. A dynamic tool with one of these names is accepted by
 * the server and silently dropped (the model only sees the built-in), so it is refused here.
 * Seen offered by codex 0.169 (`exec_command` … `web_search`), plus tools other models or
 * settings get.
 */
export const BUILT_IN_TOOL_NAMES: ReadonlySet<string> = new Set([
  'exec_command',
  'write_stdin',
  'request_user_input',
  'view_image',
  'multi_agent_v1',
  'get_goal',
  'create_goal',
  'update_goal',
  'web_search',
  'apply_patch',
  'update_plan',
  'shell',
  'local_shell',
  'container.exec',
  'tool_search',
  'image_generation',
  'list_mcp_resources',
  'list_mcp_resource_templates',
  'read_mcp_resource',
]);

/**
 * Defines a local tool. Its arguments are checked against `inputSchema` before `execute` runs;
 * invalid ones go back to the model as a failed call saying what is wrong.
 *
 * @example
 * const weather = tool({
 *   name: 'get_weather',
 *   description: 'Current weather for a city',
 *   inputSchema: z.object({ city: z.string() }),
 *   execute: async ({ city }) => `Sunny in ${city}`,
 * });
 */
export function tool<S extends StandardSchema>(definition: StandardToolDefinition<S>): LocalTool;
export function tool<Args = Record<string, unknown>>(definition: JsonSchemaToolDefinition<Args>): LocalTool;
export function tool(definition: StandardToolDefinition<StandardSchema> | JsonSchemaToolDefinition<unknown>): LocalTool {
  if (typeof definition !== 'object' || definition === null) throw new InvalidArgumentError('tool', `must be an object, got ${describe(definition)}`);
  const name = checkName(definition.name, 'tool name');
  const where = `tool ${JSON.stringify(name)}`;
  checkDescription(definition.description, where);
  if (typeof definition.execute !== 'function') throw new InvalidArgumentError(`${where} execute`, `must be a function, got ${describe(definition.execute)}`);
  if (definition.deferLoading !== undefined && typeof definition.deferLoading !== 'boolean') {
    throw new InvalidArgumentError(`${where} deferLoading`, 'must be a boolean');
  }
  checkTimeout(definition.timeoutMs, `${where} timeoutMs`);
  const { jsonSchema, check } = compileSchema(definition, where);
  const spec: LocalTool = Object.freeze({
    type: 'function',
    name,
    description: definition.description,
    inputSchema: jsonSchema,
    deferLoading: definition.deferLoading ?? false,
  });
  runtimes.set(spec, { check, execute: definition.execute as Execute<unknown>, timeoutMs: definition.timeoutMs });
  return spec;
}

/** Groups tools under a namespace (the model sees `name` and calls its tools within it). */
export function toolNamespace(definition: { readonly name: string; readonly description: string; readonly tools: readonly LocalTool[] }): ToolNamespace {
  if (typeof definition !== 'object' || definition === null) throw new InvalidArgumentError('toolNamespace', `must be an object, got ${describe(definition)}`);
  const name = checkName(definition.name, 'namespace name');
  const where = `namespace ${JSON.stringify(name)}`;
  checkDescription(definition.description, where);
  if (!Array.isArray(definition.tools) || definition.tools.length === 0) throw new InvalidArgumentError(`${where} tools`, 'must be a non-empty array of tool() results');
  const tools = definition.tools as readonly unknown[];
  tools.forEach((member, i) => {
    if (!isLocalTool(member)) throw new InvalidArgumentError(`${where} tools[${i}]`, 'must be made by tool() (a namespace cannot hold a namespace)');
  });
  checkUnique(definition.tools.map((t) => t.name), where);
  const namespace: ToolNamespace = Object.freeze({ type: 'namespace', name, description: definition.description, tools: Object.freeze([...definition.tools]) });
  namespaces.add(namespace);
  return namespace;
}

/**
 * Checks `tools` as given to a thread and returns what `thread/start` sends as `dynamicTools`.
 * Everything the server would refuse, or silently drop, is an `InvalidArgumentError` here.
 */
export function toDynamicTools(tools: unknown): DynamicToolSpec[] {
  if (!Array.isArray(tools)) throw new InvalidArgumentError('tools', `must be an array of tool() or toolNamespace() results, got ${describe(tools)}`);
  const specs = tools.map((entry: unknown, i): DynamicToolSpec => {
    if (isLocalTool(entry)) {
      if (entry.deferLoading) {
        throw new InvalidArgumentError(`tools[${i}]`, `tool ${JSON.stringify(entry.name)} has deferLoading, which only works inside a toolNamespace()`);
      }
      return functionSpec(entry);
    }
    if (isNamespace(entry)) {
      return { type: 'namespace', name: entry.name, description: entry.description, tools: entry.tools.map(functionSpec) };
    }
    throw new InvalidArgumentError(`tools[${i}]`, 'must be made by tool() or toolNamespace()');
  });
  checkUnique(
    specs.map((s) => s.name),
    'tools',
  );
  return specs;
}

function functionSpec(spec: LocalTool): { type: 'function'; name: string; description: string; inputSchema: unknown; deferLoading: boolean } {
  return { type: 'function', name: spec.name, description: spec.description, inputSchema: spec.inputSchema, deferLoading: spec.deferLoading };
}

export interface ToolRegistryOptions {
  /** Deadline of a call whose tool sets none, in ms. */
  readonly timeoutMs: number;
  /** Takes secrets out of error messages sent to the model. */
  readonly redact: (text: string) => string;
}

interface RunningCall {
  readonly threadId: string;
  readonly turnId: string;
  readonly controller: AbortController;
}

/**
 * The tools attached to each thread of one client, and the calls running now. Answers
 * `item/tool/call`; aborts a call's signal when its turn ends (interrupt, abort), its item
 * completes without it (the server gave up on it), its deadline passes, or the client closes.
 */
export class ToolRegistry {
  readonly #options: ToolRegistryOptions;
  /** threadId → (namespace key → tool). */
  readonly #threads = new Map<string, Map<string, LocalTool>>();
  readonly #calls = new Map<string, RunningCall>();

  constructor(options: ToolRegistryOptions) {
    this.#options = options;
  }

  /** Makes `tools` answer the thread's calls (replacing what was attached before). */
  attach(threadId: string, tools: readonly ToolSpec[]): void {
    const byKey = new Map<string, LocalTool>();
    for (const entry of tools) {
      if (entry.type === 'namespace') for (const member of entry.tools) byKey.set(key(entry.name, member.name), member);
      else byKey.set(key(null, entry.name), entry);
    }
    this.#threads.set(threadId, byKey);
  }

  /**
   * The answer to an `item/tool/call`, or undefined when no tool of this client has that name on
   * that thread (the request then goes to the `onServerRequest` handlers as any other).
   */
  handle(params: unknown): Promise<DynamicToolCallResponse> | undefined {
    if (typeof params !== 'object' || params === null) return undefined;
    const call = params as Partial<DynamicToolCallParams>;
    if (typeof call.threadId !== 'string' || typeof call.tool !== 'string') return undefined;
    const spec = this.#threads.get(call.threadId)?.get(key(call.namespace ?? null, call.tool));
    const runtime = spec === undefined ? undefined : runtimes.get(spec);
    if (runtime === undefined) return undefined;
    return this.#run(runtime, call as DynamicToolCallParams);
  }

  /** Watches the thread's events for the end of calls the server no longer waits for. */
  observe(notification: Notification): void {
    if (this.#calls.size === 0) return;
    if (notification.method === 'turn/completed') {
      const { turn } = notification.params;
      for (const call of this.#calls.values()) {
        if (call.turnId === turn.id) call.controller.abort(new ToolCallCancelled(`turn ${turn.id} ended (${turn.status}) before the tool answered`));
      }
    } else if (notification.method === 'item/completed' && notification.params.item.type === 'dynamicToolCall') {
      // Call ids are the model's: another thread or turn can reuse one.
      const { threadId, turnId, item } = notification.params;
      const call = this.#calls.get(item.id);
      if (call?.threadId === threadId && call.turnId === turnId) call.controller.abort(new ToolCallCancelled('the server completed the call without this answer'));
    }
  }

  /**
   * The connection dropped (the client reconnects): no answer of a running call can reach the
   * server any more, so each one's signal fires. The server sends a call still pending to the
   * connection that resumes the thread, and the tool runs again for it.
   */
  dropAll(reason: string): void {
    for (const call of this.#calls.values()) call.controller.abort(new ToolCallCancelled(reason));
  }

  /** The client closed: every running call's signal fires. */
  closeAll(reason: Error): void {
    for (const call of this.#calls.values()) call.controller.abort(reason);
    this.#calls.clear();
    this.#threads.clear();
  }

  async #run(runtime: ToolRuntime, params: DynamicToolCallParams): Promise<DynamicToolCallResponse> {
    const name = params.namespace ? `${params.namespace}.${params.tool}` : params.tool;
    const checked = await runtime.check(params.arguments).catch((error: unknown) => ({ ok: false as const, problem: messageOf(error) }));
    if (!checked.ok) return failure(`Invalid arguments for ${name}: ${checked.problem}`);

    const controller = new AbortController();
    const running: RunningCall = { threadId: params.threadId, turnId: params.turnId, controller };
    // The server never sends two live calls with one id; if it did, the newer one is tracked.
    this.#calls.set(params.callId, running);
    const timeoutMs = runtime.timeoutMs ?? this.#options.timeoutMs;
    const timer = Number.isFinite(timeoutMs)
      ? setTimeout(() => controller.abort(new ToolCallCancelled(`${name} did not answer within ${timeoutMs} ms`)), timeoutMs)
      : undefined;
    // A tool still running when the process wants to exit must not hold it.
    timer?.unref();
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<DynamicToolCallResponse>((resolve) => {
      onAbort = () => resolve(failure(`${name} was cancelled: ${messageOf(controller.signal.reason)}`));
      controller.signal.addEventListener('abort', onAbort, { once: true });
    });
    const context: ToolCallContext = { signal: controller.signal, threadId: params.threadId, turnId: params.turnId, callId: params.callId };
    const executed = Promise.resolve()
      .then(() => runtime.execute(checked.value, context))
      .then(
        (output) => ({ contentItems: toContentItems(output), success: true }),
        (error: unknown) => failure(`${name} failed: ${this.#options.redact(messageOf(error))}`),
      );
    try {
      // The answer is sent as soon as the call is cancelled, whether or not execute heeds the signal.
      return await Promise.race([executed, aborted]);
    } finally {
      clearTimeout(timer);
      if (onAbort !== undefined) controller.signal.removeEventListener('abort', onAbort);
      if (this.#calls.get(params.callId) === running) this.#calls.delete(params.callId);
    }
  }
}

/** The reason a tool call's signal fired. */
export class ToolCallCancelled extends Error {
  override name = 'ToolCallCancelled';
}

function failure(text: string): DynamicToolCallResponse {
  return { contentItems: [{ type: 'inputText', text }], success: false };
}

function key(namespace: string | null, name: string): string {
  return namespace === null ? name : `${namespace}\u0000${name}`;
}

/** What `execute` returned, as the protocol's content items. */
export function toContentItems(output: ToolOutput): DynamicToolCallOutputContentItem[] {
  if (typeof output === 'string') return [{ type: 'inputText', text: output }];
  if (output === undefined || output === null) return [{ type: 'inputText', text: '' }];
  if (Array.isArray(output) && output.length > 0 && output.every(isContent)) return output.map(toWireContent);
  return [{ type: 'inputText', text: JSON.stringify(output) ?? String(output) }];
}

function isContent(value: unknown): value is ToolContent {
  if (typeof value !== 'object' || value === null) return false;
  const item = value as Record<string, unknown>;
  switch (item.type) {
    case 'text':
    case 'inputText':
      return typeof item.text === 'string';
    case 'image':
      return typeof item.url === 'string';
    case 'inputImage':
      return typeof item.imageUrl === 'string';
    case 'inputAudio':
      return typeof item.audioUrl === 'string';
    default:
      return false;
  }
}

function toWireContent(item: ToolContent): DynamicToolCallOutputContentItem {
  if (item.type === 'text') return { type: 'inputText', text: item.text };
  if (item.type === 'image') return { type: 'inputImage', imageUrl: item.url };
  return item;
}

function isLocalTool(value: unknown): value is LocalTool {
  return typeof value === 'object' && value !== null && runtimes.has(value as LocalTool);
}

function isNamespace(value: unknown): value is ToolNamespace {
  return typeof value === 'object' && value !== null && namespaces.has(value as ToolNamespace);
}

function checkName(name: unknown, what: string): string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new InvalidArgumentError(what, `must be letters, digits, "_" and "-" only (what the Responses API accepts), got ${typeof name === 'string' ? JSON.stringify(name) : describe(name)}`);
  }
  if (BUILT_IN_TOOL_NAMES.has(name)) {
    throw new InvalidArgumentError(what, `${JSON.stringify(name)} is the name of a built-in codex tool: the server would drop this one silently`);
  }
  return name;
}

function checkDescription(description: unknown, where: string): void {
  if (typeof description !== 'string' || description.trim().length === 0) throw new InvalidArgumentError(`${where} description`, 'must be a non-empty string');
}

function checkUnique(names: readonly string[], where: string): void {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) throw new InvalidArgumentError(where, `the name ${JSON.stringify(name)} is used twice`);
    seen.add(name);
  }
}

function isStandardSchema(value: unknown): value is StandardSchema {
  const standard = (value as { '~standard'?: { validate?: unknown } | undefined } | null)?.['~standard'];
  return typeof standard === 'object' && standard !== null && typeof standard.validate === 'function';
}

/**
 * A validator for one tool's schema, by the draft it declares (draft-07 when none). One
 * instance per tool: two tools' schemas may share an `$id`. `strict: false` and no format
 * checks: a schema written for the model may use keywords and formats Ajv does not know, and
 * the model must not be refused for them.
 */
function ajvFor(schema: JsonSchema): Ajv | Ajv2020 {
  const declared = typeof schema.$schema === 'string' ? schema.$schema : '';
  const options = { strict: false, validateFormats: false, allErrors: true, logger: false } as const;
  return declared.includes('2020-12') ? new Ajv2020(options) : new Ajv(options);
}

/** The JSON Schema to send and the argument check, built once per tool. */
function compileSchema(
  definition: StandardToolDefinition<StandardSchema> | JsonSchemaToolDefinition<unknown>,
  where: string,
): { jsonSchema: JsonSchema; check: ToolRuntime['check'] } {
  const schema: unknown = definition.inputSchema;
  if (isStandardSchema(schema)) {
    const explicit = (definition as StandardToolDefinition<StandardSchema>).jsonSchema;
    const jsonSchema = explicit ?? standardToJsonSchema(schema, where);
    checkSchemaObject(jsonSchema, `${where} jsonSchema`);
    const standard = schema['~standard'];
    return {
      jsonSchema: withoutMetaSchema(jsonSchema),
      check: async (args) => {
        const result = await standard.validate(args);
        if (result.issues === undefined) return { ok: true, value: result.value };
        return { ok: false, problem: result.issues.map(formatIssue).join('; ') };
      },
    };
  }
  checkSchemaObject(schema, `${where} inputSchema`);
  let validate: ValidateFunction;
  try {
    validate = ajvFor(schema).compile(schema);
  } catch (error) {
    throw new InvalidArgumentError(`${where} inputSchema`, `is not a valid JSON Schema (${messageOf(error)})`);
  }
  return {
    jsonSchema: schema,
    check: (args) => {
      if (validate(args)) return Promise.resolve({ ok: true, value: args });
      const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '(the arguments)'} ${e.message ?? 'is invalid'}${paramsText(e.params)}`);
      return Promise.resolve({ ok: false, problem: problems.join('; ') });
    },
  };
}

function standardToJsonSchema(schema: StandardSchema, where: string): JsonSchema {
  const converter = schema['~standard'].jsonSchema;
  const toJsonSchema = (schema as { toJSONSchema?: unknown }).toJSONSchema;
  try {
    if (converter !== undefined) return converter.input({ target: 'draft-2020-12' });
    // zod 4 releases before Standard JSON Schema have a toJSONSchema() method.
    if (typeof toJsonSchema === 'function') return (toJsonSchema as () => JsonSchema).call(schema);
  } catch (error) {
    throw new InvalidArgumentError(`${where} inputSchema`, `could not be converted to JSON Schema (${messageOf(error)}); pass jsonSchema too`);
  }
  throw new InvalidArgumentError(
    `${where} inputSchema`,
    `this ${schema['~standard'].vendor} schema offers no JSON Schema (no ~standard.jsonSchema); pass jsonSchema too`,
  );
}

function checkSchemaObject(schema: unknown, argument: string): asserts schema is JsonSchema {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    throw new InvalidArgumentError(argument, `must be a JSON Schema object or a Standard Schema validator, got ${describe(schema)}`);
  }
}

/** The model needs the schema, not the name of its draft. */
function withoutMetaSchema(schema: JsonSchema): JsonSchema {
  if (!('$schema' in schema)) return schema;
  const { $schema: _meta, ...rest } = schema;
  return rest;
}

function formatIssue(issue: { readonly message: string; readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined }): string {
  const path = (issue.path ?? []).map((segment) => String(typeof segment === 'object' ? segment.key : segment)).join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
}

function paramsText(params: Record<string, unknown>): string {
  if (typeof params.additionalProperty === 'string') return ` (${JSON.stringify(params.additionalProperty)})`;
  if (Array.isArray(params.allowedValues)) return ` (${params.allowedValues.map((v) => JSON.stringify(v)).join(', ')})`;
  return '';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
