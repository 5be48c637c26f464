/**
 * Which methods, types and fields are experimental: what `generate-json-schema --experimental`
 * has and the plain dump does not. Computed at dump time and kept in schema/EXPERIMENTAL.json,
 * so generation still runs from schema/ alone; the generated types carry `@experimental` JSDoc.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isObject, loadSchema, type JsonObject } from './load-schema.js';

export const EXPERIMENTAL_FILE = 'EXPERIMENTAL.json';

export interface ExperimentalMarks {
  /** Methods (client requests, notifications, server requests) only the experimental API has. */
  readonly methods: readonly string[];
  /** Definitions only the experimental API has. */
  readonly definitions: readonly string[];
  /** Definition -> its top-level properties only the experimental API has. */
  readonly fields: Readonly<Record<string, readonly string[]>>;
}

function methodsOf(union: JsonObject): string[] {
  const variants = Array.isArray(union.oneOf) ? union.oneOf : [];
  return variants.flatMap((variant) => {
    const method = isObject(variant) && isObject(variant.properties) ? variant.properties.method : undefined;
    return isObject(method) && Array.isArray(method.enum) && typeof method.enum[0] === 'string' ? [method.enum[0]] : [];
  });
}

export async function experimentalMarks(experimentalDir: string, stableDir: string): Promise<ExperimentalMarks> {
  const [all, stable] = await Promise.all([loadSchema(experimentalDir), loadSchema(stableDir)]);
  const stableMethods = new Set([stable.clientRequest, stable.serverNotification, stable.serverRequest].flatMap(methodsOf));
  const methods = [all.clientRequest, all.serverNotification, all.serverRequest].flatMap(methodsOf).filter((m) => !stableMethods.has(m));
  const definitions = [...all.definitions.keys()].filter((name) => !stable.definitions.has(name));
  const fields: Record<string, string[]> = {};
  for (const [name, schema] of all.definitions) {
    const plain = stable.definitions.get(name);
    if (plain === undefined || !isObject(schema.properties) || !isObject(plain.properties)) continue;
    const extra = Object.keys(schema.properties).filter((key) => !Object.hasOwn(plain.properties as JsonObject, key));
    if (extra.length > 0) fields[name] = extra.sort();
  }
  return { methods: methods.sort(), definitions: definitions.sort(), fields };
}

export async function readExperimentalMarks(schemaDir: string): Promise<ExperimentalMarks> {
  const file = path.join(schemaDir, EXPERIMENTAL_FILE);
  const parsed = JSON.parse(await readFile(file, 'utf8')) as ExperimentalMarks;
  if (!Array.isArray(parsed.methods) || !Array.isArray(parsed.definitions) || typeof parsed.fields !== 'object') {
    throw new Error(`codegen: ${file} is not a list of experimental methods, definitions and fields; rerun npm run codegen`);
  }
  return parsed;
}
