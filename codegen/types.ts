/**
 * Compiles every protocol definition into one TypeScript module with json-schema-to-typescript,
 * in a single pass over a merged root schema (compiling definition by definition is far slower).
 */
import { compile } from 'json-schema-to-typescript';
import type { ExperimentalMarks } from './experimental.js';
import { isObject, type JsonObject } from './load-schema.js';

/** A placeholder root: json-schema-to-typescript needs one to hang the definitions on. */
const ROOT = 'CodegenRootPlaceholder';

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

type CompilerSchema = Parameters<typeof compile>[0];

export async function compileProtocolTypes(definitions: ReadonlyMap<string, JsonObject>, marks: ExperimentalMarks): Promise<string> {
  const experimentalTypes = new Set(marks.definitions);
  const named: Record<string, JsonObject> = {};
  for (const [name, schema] of definitions) {
    if (!IDENTIFIER.test(name)) throw new Error(`codegen: definition name "${name}" is not a TypeScript identifier`);
    // The title is what names the emitted type; structuredClone because the compiler annotates its input.
    const copy = markExperimental(structuredClone(schema), experimentalTypes.has(name), marks.fields[name] ?? []);
    named[name] = { ...splitMixedRoot(copy), title: name };
  }
  const root: CompilerSchema = {
    title: ROOT,
    type: 'object',
    additionalProperties: false,
    definitions: named as Record<string, CompilerSchema>,
  };
  const raw = await compile(root, ROOT, {
    bannerComment: '',
    // Emit every definition, not only those reachable from the (empty) root.
    unreachableDefinitions: true,
    // Objects are closed unless the schema declares a map (`additionalProperties: {...}` or `true`).
    additionalProperties: false,
    unknownAny: true,
    format: true,
    style: { singleQuote: true, printWidth: 120, trailingComma: 'all', bracketSpacing: true, semi: true },
  });
  const out = restoreSchemaNames(stripCompilerNoise(raw), definitions);
  assertEveryDefinitionEmitted(out, definitions);
  return out;
}

function declaredNames(source: string): string[] {
  return [...source.matchAll(/^export (?:type|interface|const enum|enum) ([\w$]+)/gm)].map((m) => m[1]!);
}

/**
 * The compiler re-cases some names (`W3cTraceContext` becomes `W3CTraceContext`: it upper-cases a
 * letter after a digit). Put the schema's spelling back so the SDK's names match the protocol's.
 */
function restoreSchemaNames(source: string, definitions: ReadonlyMap<string, JsonObject>): string {
  const declared = new Set(declaredNames(source));
  const strays = [...declared].filter((name) => !definitions.has(name));
  let out = source;
  for (const name of definitions.keys()) {
    if (declared.has(name)) continue;
    const matches = strays.filter((stray) => stray.toLowerCase() === name.toLowerCase());
    if (matches.length !== 1) continue; // reported by assertEveryDefinitionEmitted
    out = out.replace(new RegExp(String.raw`\b${matches[0]!.replace(/\$/g, '\\$')}\b`, 'g'), name);
  }
  return out;
}

const OBJECT_KEYWORDS = ['type', 'properties', 'required', 'additionalProperties', 'patternProperties'];
const UNION_KEYWORDS = ['oneOf', 'anyOf'];

/**
 * A titled schema that has both object keywords and a union or `allOf` (e.g. `ThreadItem`: shared
 * `startedAtMs`/`completedAtMs` plus a `oneOf` of item kinds) compiles to `ThreadItem = ThreadItem1 &
 * ThreadItem2`. Spelled out as one `allOf` of untitled parts, it comes out as a single named
 * intersection with the parts inlined.
 */
function splitMixedRoot(schema: JsonObject): JsonObject {
  const keys = Object.keys(schema);
  const combines = keys.some((k) => k === 'allOf' || UNION_KEYWORDS.includes(k));
  if (!combines || !keys.some((k) => OBJECT_KEYWORDS.includes(k))) return schema;
  const objectPart: JsonObject = {};
  const unionPart: JsonObject = {};
  const rest: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (OBJECT_KEYWORDS.includes(key)) objectPart[key] = value;
    else if (UNION_KEYWORDS.includes(key)) unionPart[key] = value;
    else rest[key] = value;
  }
  const parts = [...(Array.isArray(rest.allOf) ? rest.allOf : []), objectPart];
  if (Object.keys(unionPart).length > 0) parts.push(unionPart);
  return { ...rest, allOf: parts };
}

/** Drops the placeholder root and the "This interface was referenced by ..." note the compiler adds to each definition. */
function stripCompilerNoise(source: string): string {
  const note = String.raw` \* This interface was referenced by \`${ROOT}\`'s JSON-Schema\n \* via the \`definition\` "[^"\n]+"\.\n`;
  let out = source
    .replace(new RegExp(String.raw`/\*\*\n${note} \*/\n`, 'g'), '') // note was the whole comment
    .replace(new RegExp(String.raw` \*\n${note}`, 'g'), ''); // note followed a description
  const rootDecl = `export interface ${ROOT} {}\n`;
  if (out.split(rootDecl).length !== 2) throw new Error('codegen: expected exactly one placeholder root declaration');
  out = out.replace(rootDecl, '');
  if (out.includes(ROOT)) throw new Error(`codegen: compiler output still mentions ${ROOT}`);
  return `${out.trim()}\n`;
}

/** Every definition must come out under its own name, exactly once (no `Foo1` renames, no drops). */
function assertEveryDefinitionEmitted(source: string, definitions: ReadonlyMap<string, JsonObject>): void {
  const declared = new Map<string, number>();
  for (const name of declaredNames(source)) declared.set(name, (declared.get(name) ?? 0) + 1);
  const missing = [...definitions.keys()].filter((name) => declared.get(name) !== 1);
  const extra = [...declared.keys()].filter((name) => !definitions.has(name));
  if (missing.length > 0 || extra.length > 0) {
    throw new Error(
      `codegen: protocol.ts does not declare exactly the schema's definitions.` +
        (missing.length > 0 ? ` Missing or duplicated: ${missing.join(', ')}.` : '') +
        (extra.length > 0 ? ` Unexpected: ${extra.join(', ')}.` : ''),
    );
  }
}

const EXPERIMENTAL_TAG = '@experimental Needs `experimentalApi: true` (the default).';

function withTag(description: unknown): string {
  return typeof description === 'string' && description.trim() !== '' ? `${description}\n\n${EXPERIMENTAL_TAG}` : EXPERIMENTAL_TAG;
}

/** Adds the `@experimental` JSDoc tag to an experimental type's description and to its experimental fields'. */
function markExperimental(schema: JsonObject, wholeType: boolean, fields: readonly string[]): JsonObject {
  if (wholeType) schema.description = withTag(schema.description);
  const properties = schema.properties;
  if (!isObject(properties)) return schema;
  for (const field of fields) {
    const property = properties[field];
    if (isObject(property)) property.description = withTag(property.description);
  }
  return schema;
}
