/**
 * Reads the checked-in JSON Schema bundle (schema/) into one flat, normalized definitions map.
 * Nothing here touches the codex binary: generation runs from schema/ alone.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export type Json = null | boolean | number | string | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}

export interface LoadedSchema {
  /** The codex version the bundle was dumped from (schema/VERSION). */
  readonly version: string;
  /** Every definition of both bundles, keyed and sorted by name, refs rewritten to `#/definitions/<Name>`. */
  readonly definitions: ReadonlyMap<string, JsonObject>;
  /** The per-direction message unions the method maps are derived from. */
  readonly clientRequest: JsonObject;
  readonly clientNotification: JsonObject;
  readonly serverNotification: JsonObject;
  readonly serverRequest: JsonObject;
}

/** The full bundle nests v2 types under `definitions.v2`; the v2 bundle has them flat. */
const BUNDLES = ['codex_app_server_protocol.schemas.json', 'codex_app_server_protocol.v2.schemas.json'];

export function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function readJson(file: string): Promise<JsonObject> {
  const parsed = JSON.parse(await readFile(file, 'utf8')) as Json;
  if (!isObject(parsed)) throw new Error(`${file}: expected a JSON object`);
  return parsed;
}

/**
 * Rewrites refs to the flat `#/definitions/<Name>` form and drops `$schema` and every `title`.
 * Titles go because json-schema-to-typescript turns each one into a named type, and the nested
 * ones (`InitializeRequestMethod`, a `ServerNotification` variant titled `ErrorNotification`, ...)
 * would collide with real definitions and come out as `ErrorNotification1`. Definitions get their
 * name back as their title when the types are compiled.
 */
export function normalize(value: Json): Json {
  if (Array.isArray(value)) return value.map(normalize);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [key, child] of Object.entries(value)) {
    if (key === '$schema' || key === 'title') continue;
    if (key === '$ref' && typeof child === 'string') {
      out[key] = child.replace(/^#\/definitions\/(?:v2\/)?/, '#/definitions/');
    } else if (DATA_KEYWORDS.has(key)) {
      out[key] = child;
    } else if (NAME_MAP_KEYWORDS.has(key) && isObject(child)) {
      // Keys here are property names (a property may well be called `title`), not keywords.
      out[key] = Object.fromEntries(Object.entries(child).map(([name, schema]) => [name, normalize(schema)]));
    } else {
      out[key] = normalize(child);
    }
  }
  return out;
}

/** Keywords whose value is instance data, not a schema. */
const DATA_KEYWORDS = new Set(['enum', 'const', 'default', 'examples']);
/** Keywords whose value maps names to schemas. */
const NAME_MAP_KEYWORDS = new Set(['properties', 'patternProperties', 'definitions', '$defs']);

/** Flattens `definitions` (and the nested `definitions.v2` of the full bundle) into `into`. */
function collect(bundleFile: string, definitions: JsonObject, into: Map<string, JsonObject>): void {
  for (const [name, raw] of Object.entries(definitions)) {
    if (!isObject(raw)) throw new Error(`${bundleFile}: definition ${name} is not an object`);
    if (name === 'v2' && raw.type === undefined && raw.properties === undefined) {
      collect(bundleFile, raw, into);
      continue;
    }
    const schema = normalize(raw) as JsonObject;
    const seen = into.get(name);
    // The bundles overlap; a name may repeat only for the same type (RequestId differs in title only).
    if (seen !== undefined && JSON.stringify(seen) !== JSON.stringify(schema)) {
      throw new Error(`${bundleFile}: definition ${name} differs from a same-named definition in another bundle`);
    }
    into.set(name, schema);
  }
}

export async function loadSchema(schemaDir: string): Promise<LoadedSchema> {
  const version = (await readFile(path.join(schemaDir, 'VERSION'), 'utf8')).trim();
  if (!/^\d+\.\d+\.\d+(?:[-+][\w.-]+)?$/.test(version)) {
    throw new Error(`${schemaDir}/VERSION: "${version}" is not a version number`);
  }
  const merged = new Map<string, JsonObject>();
  for (const file of BUNDLES) {
    const bundle = await readJson(path.join(schemaDir, file));
    if (!isObject(bundle.definitions)) throw new Error(`${file}: no definitions`);
    collect(file, bundle.definitions, merged);
  }
  const sorted = new Map([...merged.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return {
    version,
    definitions: sorted,
    clientRequest: await readJson(path.join(schemaDir, 'ClientRequest.json')),
    clientNotification: await readJson(path.join(schemaDir, 'ClientNotification.json')),
    serverNotification: await readJson(path.join(schemaDir, 'ServerNotification.json')),
    serverRequest: await readJson(path.join(schemaDir, 'ServerRequest.json')),
  };
}
