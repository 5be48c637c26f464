/**
 * Derives the typed method maps (methods.ts) from the schema's three message unions:
 * ClientRequest.json, ServerNotification.json and ServerRequest.json.
 */
import { isObject, type Json, type JsonObject, type LoadedSchema } from './load-schema.js';
import { resolveResultTypes, type Direction } from './results.js';

export interface MethodEntry {
  readonly method: string;
  /** TypeScript text of the params type, e.g. `ThreadStartParams`, `undefined`, `GetAccountParams | undefined`. */
  readonly params: string;
  /** The named params type, when there is one. */
  readonly paramsName: string | undefined;
  readonly description: string | undefined;
}

/** Method names become quoted keys; anything unusual is rejected rather than escaped. */
const METHOD_NAME = /^[A-Za-z0-9_/.-]+$/;

/** Section markers from the Rust source that schemars glues onto the next variant's doc. */
const SECTION_MARKERS = ['NEW APIs', 'NEW NOTIFICATIONS', 'DEPRECATED APIs below'];

function refName(schema: Json | undefined, where: string, definitions: ReadonlyMap<string, JsonObject>): string | undefined {
  if (!isObject(schema) || typeof schema.$ref !== 'string') return undefined;
  const match = /^#\/definitions\/(?:v2\/)?([^/]+)$/.exec(schema.$ref);
  const name = match?.[1];
  if (name === undefined || !definitions.has(name)) throw new Error(`codegen: ${where}: $ref ${schema.$ref} is not a schema definition`);
  return name;
}

function isNull(schema: Json | undefined): boolean {
  return isObject(schema) && schema.type === 'null' && Object.keys(schema).length === 1;
}

/** `{$ref}` -> the type; `{type: null}` -> `undefined` (no params); `anyOf [X, null]` -> `X | undefined`. */
function paramsType(
  schema: Json | undefined,
  where: string,
  definitions: ReadonlyMap<string, JsonObject>,
): { text: string; name: string | undefined } {
  const direct = refName(schema, where, definitions);
  if (direct !== undefined) return { text: direct, name: direct };
  if (isNull(schema)) return { text: 'undefined', name: undefined };
  if (isObject(schema) && Array.isArray(schema.anyOf) && schema.anyOf.length === 2 && schema.anyOf.some(isNull)) {
    const name = refName(schema.anyOf.find((s) => !isNull(s)), where, definitions);
    if (name !== undefined) return { text: `${name} | undefined`, name };
  }
  throw new Error(`codegen: ${where}: unsupported params schema ${JSON.stringify(schema)}`);
}

function describe(variant: JsonObject): string | undefined {
  if (typeof variant.description !== 'string') return undefined;
  let text = variant.description.trim();
  for (const marker of SECTION_MARKERS) {
    if (text.startsWith(marker)) text = text.slice(marker.length).trim();
  }
  return text === '' ? undefined : text;
}

function readUnion(file: string, union: JsonObject, definitions: ReadonlyMap<string, JsonObject>): MethodEntry[] {
  if (!Array.isArray(union.oneOf)) throw new Error(`codegen: ${file}: expected a oneOf of messages`);
  const entries = union.oneOf.map((variant, index): MethodEntry => {
    const where = `${file} variant ${index}`;
    if (!isObject(variant) || !isObject(variant.properties)) throw new Error(`codegen: ${where}: not an object schema`);
    const methodSchema = variant.properties.method;
    const methods = isObject(methodSchema) && Array.isArray(methodSchema.enum) ? methodSchema.enum : [];
    const method = methods[0];
    if (methods.length !== 1 || typeof method !== 'string' || !METHOD_NAME.test(method)) {
      throw new Error(`codegen: ${where}: expected exactly one plain method name, got ${JSON.stringify(methodSchema)}`);
    }
    const params = paramsType(variant.properties.params, `${file} "${method}"`, definitions);
    return { method, params: params.text, paramsName: params.name, description: describe(variant) };
  });
  const seen = new Set<string>();
  for (const { method } of entries) {
    if (seen.has(method)) throw new Error(`codegen: ${file}: method "${method}" appears twice`);
    seen.add(method);
  }
  return entries;
}

function docComment(text: string | undefined, indent: string): string {
  if (text === undefined) return '';
  const lines = text.replaceAll('*/', '*\\/').split('\n');
  return `${indent}/**\n${lines.map((line) => `${indent} *${line === '' ? '' : ` ${line}`}`).join('\n')}\n${indent} */\n`;
}

function renderMap(name: string, doc: string, entries: readonly MethodEntry[], value: (entry: MethodEntry) => string): string {
  const body = entries.map((entry) => `${docComment(entry.description, '  ')}  '${entry.method}': ${value(entry)};`).join('\n');
  return `/** ${doc} */\nexport interface ${name} {\n${body}\n}\n`;
}

function renderList(name: string, type: string, entries: readonly MethodEntry[]): string {
  return `export const ${name} = [\n${entries.map((e) => `  '${e.method}',`).join('\n')}\n] as const satisfies readonly ${type}[];\n`;
}

/** The three message unions read from schema/, with each request's result type derived. */
export interface ProtocolMethods {
  readonly clientRequests: readonly MethodEntry[];
  readonly notifications: readonly MethodEntry[];
  readonly serverRequests: readonly MethodEntry[];
  /** Client request method -> the type of its result. */
  readonly clientResults: ReadonlyMap<string, string>;
  /** Server request method -> the type of the answer the client sends. */
  readonly serverResponses: ReadonlyMap<string, string>;
}

export function readProtocolMethods(schema: LoadedSchema): ProtocolMethods {
  const { definitions } = schema;
  const clientRequests = readUnion('ClientRequest.json', schema.clientRequest, definitions);
  const notifications = readUnion('ServerNotification.json', schema.serverNotification, definitions);
  const serverRequests = readUnion('ServerRequest.json', schema.serverRequest, definitions);
  for (const { method, params } of notifications) {
    if (params.includes('undefined')) throw new Error(`codegen: ServerNotification.json "${method}": params must name a type`);
  }
  const names = new Set(definitions.keys());
  // Both directions are resolved before failing, so one run lists every unmapped method.
  const failures: string[] = [];
  const resolve = (direction: Direction, entries: readonly MethodEntry[]): Map<string, string> => {
    try {
      return resolveResultTypes(direction, entries, names);
    } catch (error) {
      failures.push(error instanceof Error ? error.message : String(error));
      return new Map();
    }
  };
  const clientResults = resolve('client request', clientRequests);
  const serverResponses = resolve('server request', serverRequests);
  if (failures.length > 0) throw new Error(failures.join('\n'));
  return { clientRequests, notifications, serverRequests, clientResults, serverResponses };
}

/** The body of methods.ts (without the file header). */
export function renderMethodMaps(schema: LoadedSchema, methods: ProtocolMethods, experimental: ReadonlySet<string>): string {
  const { definitions } = schema;
  const { clientResults, serverResponses } = methods;
  // Experimental methods carry the tag editors show (`@experimental`).
  const tag = (entries: readonly MethodEntry[]): MethodEntry[] =>
    entries.map((e) =>
      experimental.has(e.method)
        ? { ...e, description: `${e.description === undefined ? '' : `${e.description}\n\n`}@experimental Needs \`experimentalApi: true\` (the default).` }
        : e,
    );
  const [clientRequests, notifications, serverRequests] = [tag(methods.clientRequests), tag(methods.notifications), tag(methods.serverRequests)];

  const imported = new Set<string>();
  for (const entry of [...clientRequests, ...notifications, ...serverRequests]) {
    if (entry.paramsName !== undefined) imported.add(entry.paramsName);
  }
  for (const type of [...clientResults.values(), ...serverResponses.values()]) imported.add(type);
  const imports = [...imported].sort().map((name) => `  ${name},`);

  const source = [
    `import type {\n${imports.join('\n')}\n} from './protocol.js';\n`,
    renderMap(
      'ClientRequestMap',
      'Every request a client can send: method -> `params` to send and `result` the server answers with.',
      clientRequests,
      (e) => `{ params: ${e.params}; result: ${clientResults.get(e.method)!} }`,
    ),
    'export type ClientRequestMethod = keyof ClientRequestMap;\n',
    renderMap('ServerNotificationMap', 'Every notification the server sends: method -> `params` type.', notifications, (e) => e.params),
    'export type ServerNotificationMethod = keyof ServerNotificationMap;\n',
    renderMap(
      'ServerRequestMap',
      'Every request the server sends the client: method -> `params` received and `response` to answer with.',
      serverRequests,
      (e) => `{ params: ${e.params}; response: ${serverResponses.get(e.method)!} }`,
    ),
    'export type ServerRequestMethod = keyof ServerRequestMap;\n',
    [
      '/**',
      ' * The method of a notification this SDK has no type for (a newer server may add some). At',
      ' * runtime it is just the method string; cast with `method as UnknownMethod`. The type is a',
      ' * pattern no protocol method can match (they have no spaces), so it is never comparable to a',
      " * known method and `n.method === 'turn/started'` narrows a `Notification` to exactly that",
      ' * member. `string`, even a branded `string & {...}`, stays comparable and would leave',
      ' * `UnknownNotification` in the narrowed union, making `params` `unknown`.',
      ' */',
      'export type UnknownMethod = `${string} (unknown method)`;\n',
      '/** A notification of a known method, its params typed. */',
      'export type KnownNotification = {',
      '  [M in ServerNotificationMethod]: { method: M; params: ServerNotificationMap[M] };',
      '}[ServerNotificationMethod];\n',
      '/** A notification whose method this SDK does not know. */',
      'export interface UnknownNotification {',
      '  method: UnknownMethod;',
      '  params: unknown;',
      '}\n',
      'export type Notification = KnownNotification | UnknownNotification;\n',
    ].join('\n'),
    clientNotificationSource(schema.clientNotification),
    renderList('CLIENT_REQUEST_METHODS', 'ClientRequestMethod', clientRequests),
    renderList('SERVER_NOTIFICATION_METHODS', 'ServerNotificationMethod', notifications),
    renderList('SERVER_REQUEST_METHODS', 'ServerRequestMethod', serverRequests),
  ].join('\n');

  // index.ts re-exports methods.ts next to protocol.ts: a shared name would be ambiguous.
  const clash = [...source.matchAll(/^export (?:type|interface|const) (\w+)/gm)].map((m) => m[1]!).filter((n) => definitions.has(n));
  if (clash.length > 0) throw new Error(`codegen: methods.ts exports clash with protocol types: ${clash.join(', ')}`);
  return source;
}

/** ClientNotification.json: the notifications a client sends (`initialized`); none carries params. */
function clientNotificationSource(union: JsonObject): string {
  if (!Array.isArray(union.oneOf)) throw new Error('codegen: ClientNotification.json: expected a oneOf of messages');
  const methods = union.oneOf.map((variant, index) => {
    const method = isObject(variant) && isObject(variant.properties) ? variant.properties.method : undefined;
    const name = isObject(method) && Array.isArray(method.enum) ? method.enum[0] : undefined;
    if (typeof name !== 'string' || !METHOD_NAME.test(name)) throw new Error(`codegen: ClientNotification.json variant ${index}: expected one plain method name`);
    if (isObject(variant) && isObject(variant.properties) && variant.properties.params !== undefined) {
      throw new Error(`codegen: ClientNotification.json "${name}": notifications with params are not supported`);
    }
    return name;
  });
  return [
    '/** Every notification a client can send (none carries params). */',
    `export type ClientNotificationMethod = ${methods.map((m) => `'${m}'`).join(' | ')};\n`,
    `export const CLIENT_NOTIFICATION_METHODS = [\n${methods.map((m) => `  '${m}',`).join('\n')}\n] as const satisfies readonly ClientNotificationMethod[];\n`,
  ].join('\n');
}
