import { accessSync, constants, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError } from '../errors.js';
import { checkString, describe } from './validate.js';
import type { FunctionCallOutputBody, TurnToolOutput, UserInput } from '../generated/protocol.js';

/** Output of an external tool, delivered to the model as the turn's input (`turn/start` `toolOutput`). */
export interface ExternalMessage {
  readonly kind: 'externalMessage';
  readonly toolName: string;
  readonly content: FunctionCallOutputBody;
  readonly namespace?: string | undefined;
}

/** What a turn accepts: a string, one input item, or several. */
export type TurnInput = string | UserInput | ExternalMessage | ReadonlyArray<UserInput>;

/** What `turn.steer()` accepts: a turn's input without `externalMessage` (tool output can only start a turn). */
export type SteerInput = Exclude<TurnInput, ExternalMessage>;

/** A text item. */
export function text(value: string): UserInput {
  checkString(value, 'text', true);
  return { type: 'text', text: value };
}

/** An image by URL. codex 0.169 accepts `data:` URLs only (it refuses remote http(s) URLs). */
export function image(url: string): UserInput {
  checkString(url, 'url');
  return { type: 'image', url };
}

/**
 * An image file on the machine running the app-server; codex reads and attaches it. Checked
 * before the turn is sent: an absolute path to a regular, readable file of at most
 * `MAX_LOCAL_IMAGE_BYTES`.
 */
export function localImage(path: string): UserInput {
  checkString(path, 'path');
  return { type: 'localImage', path };
}

/** The largest file `localImage()` accepts: 20 MiB, the model provider's own limit per image. */
export const MAX_LOCAL_IMAGE_BYTES = 20 * 1024 * 1024;

/** Invokes a skill by name, with the path of its SKILL.md. */
export function skill(name: string, path: string): UserInput {
  checkString(name, 'name');
  checkString(path, 'path');
  return { type: 'skill', name, path };
}

/** Mentions a file, app or resource by name and path. */
export function mention(name: string, path: string): UserInput {
  checkString(name, 'name');
  checkString(path, 'path');
  return { type: 'mention', name, path };
}

/** The result of a tool that ran outside codex, sent as the turn's input instead of user text. */
export function externalMessage(options: {
  readonly toolName: string;
  readonly content: FunctionCallOutputBody;
  readonly namespace?: string | undefined;
}): ExternalMessage {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('options', `must be an object, got ${describe(options)}`);
  checkString(options.toolName, 'toolName');
  if (options.namespace !== undefined) checkString(options.namespace, 'namespace');
  if (typeof options.content !== 'string' && !Array.isArray(options.content)) {
    throw new InvalidArgumentError('content', `must be a string or an array of content items, got ${describe(options.content)}`);
  }
  return { kind: 'externalMessage', ...options };
}

const INPUT_TYPES = new Set(['text', 'image', 'localImage', 'audio', 'localAudio', 'skill', 'mention']);

/** The `turn/start` (or `turn/steer`) fields for an input, after checking its shape. */
export function toWireInput(input: TurnInput): { input: UserInput[]; toolOutput?: TurnToolOutput | undefined } {
  if (typeof input === 'string') {
    if (input.length === 0) throw new InvalidArgumentError('input', 'is an empty string: a turn needs something to say');
    return { input: [text(input)] };
  }
  if (isExternalMessage(input)) {
    if (typeof input.toolName !== 'string' || input.toolName.length === 0) {
      throw new InvalidArgumentError('externalMessage toolName', 'must be a non-empty string');
    }
    const toolOutput: TurnToolOutput = { name: input.toolName, output: input.content };
    if (input.namespace !== undefined) toolOutput.namespace = input.namespace;
    return { input: [], toolOutput };
  }
  const items = Array.isArray(input) ? (input as readonly unknown[]) : [input];
  if (items.length === 0) throw new InvalidArgumentError('input', 'is an empty array: a turn needs at least one item');
  items.forEach((item, index) => checkItem(item, Array.isArray(input) ? `input[${index}]` : 'input'));
  return { input: items as UserInput[] };
}

/** The `turn/steer` input items; refuses an `externalMessage`, which `turn/steer` has no field for. */
export function toSteerInput(input: unknown): UserInput[] {
  if (isExternalMessage(input)) {
    throw new InvalidArgumentError(
      'input',
      'is an externalMessage(...), which turn.steer() cannot send: tool output can only start a turn (thread.turn()); steer with text or input items',
    );
  }
  return toWireInput(input as TurnInput).input;
}

function isExternalMessage(input: unknown): input is ExternalMessage {
  return typeof input === 'object' && input !== null && (input as { kind?: unknown }).kind === 'externalMessage';
}

function checkItem(item: unknown, where: string): void {
  if (typeof item !== 'object' || item === null) {
    throw new InvalidArgumentError(where, `must be an input item such as text("...") or image(url), got ${item === null ? 'null' : typeof item}`);
  }
  const type = (item as { type?: unknown }).type;
  if (typeof type !== 'string' || !INPUT_TYPES.has(type)) {
    throw new InvalidArgumentError(where, `has unknown type ${JSON.stringify(type)}; expected one of ${[...INPUT_TYPES].join(', ')}`);
  }
  if (type === 'text' && typeof (item as { text?: unknown }).text !== 'string') {
    throw new InvalidArgumentError(where, 'is a text item without a string `text`');
  }
  if (type === 'localImage') checkLocalImage((item as { path?: unknown }).path, where);
}

/**
 * codex reads a local image while it starts the turn, and blocks on a FIFO or a device without
 * heeding `turn/interrupt`: such a turn could never be stopped. So only regular files go. (The
 * file could still be swapped between this check and codex's read; the check is for mistakes
 * and hostile paths in input, not for an attacker who can write the directory.)
 */
function checkLocalImage(file: unknown, where: string): void {
  if (typeof file !== 'string' || file.length === 0 || file.includes('\0')) {
    throw new InvalidArgumentError(`${where} path`, 'must be a non-empty string without NUL characters');
  }
  if (!path.isAbsolute(file)) throw new InvalidArgumentError(`${where} path`, 'must be absolute: the app-server reads it, from its own working directory');
  let size: number;
  try {
    const stats = statSync(file);
    if (!stats.isFile()) throw new InvalidArgumentError(`${where} path`, `is not a regular file (${kindOf(stats)}): codex could block reading it`);
    size = stats.size;
    accessSync(file, constants.R_OK);
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw error;
    throw new InvalidArgumentError(`${where} path`, `cannot be read (${(error as { code?: string | undefined }).code ?? String(error)})`);
  }
  if (size > MAX_LOCAL_IMAGE_BYTES) {
    throw new InvalidArgumentError(`${where} path`, `is ${size} bytes, over the ${MAX_LOCAL_IMAGE_BYTES}-byte limit for an image`);
  }
}

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  return 'not a file';
}
