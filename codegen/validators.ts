/**
 * Compiles the JSON Schema validators the SDK checks protocol messages with: every client-request
 * result, every server-request params and answer, and every notification's params. Ajv compiles
 * them here, at codegen time, into standalone code, so the SDK neither ships Ajv's compiler nor
 * pays for compiling at startup.
 *
 * Size: the protocol's definitions are compiled once, as one schema, with `inlineRefs: false`, so
 * each definition becomes one function shared by every validator that reaches it. Descriptions
 * and formats are dropped first (they do not constrain shapes), error messages are off (the SDK
 * words its own from the keyword), and the code is minified. See README "Codex versions".
 *
 * Shipping: the code is a plain CommonJS module (validators.cjs: `module.exports = {...}`, no
 * `__esModule` mark, so a default import is the exports object everywhere) that validators.ts
 * imports. tsup leaves that import as it is and copies the file into dist/ beside the builds:
 * both builds (and both at once in one process) share one copy, it stays out of the source maps,
 * and an app's bundler follows the import like any other.
 */
import Ajv from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { transformSync } from 'esbuild';
import type { Json, JsonObject } from './load-schema.js';
import { isObject } from './load-schema.js';
import type { ProtocolMethods } from './method-maps.js';

/** Keywords that describe or annotate but do not constrain a shape, or that the SDK does not check. */
const DROPPED = new Set(['description', 'default', 'examples', 'format', 'deprecated', 'readOnly', 'writeOnly']);
const DATA_KEYWORDS = new Set(['enum', 'const']);
const NAME_MAP_KEYWORDS = new Set(['properties', 'patternProperties', 'definitions']);

function strip(value: Json): Json {
  if (Array.isArray(value)) return value.map(strip);
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [key, child] of Object.entries(value)) {
    if (DROPPED.has(key)) continue;
    if (DATA_KEYWORDS.has(key)) out[key] = child;
    else if (NAME_MAP_KEYWORDS.has(key) && isObject(child)) {
      out[key] = Object.fromEntries(Object.entries(child).map(([name, schema]) => [name, strip(schema)]));
    } else out[key] = strip(child);
  }
  return out;
}

/** Ajv's one runtime helper the code needs (string length in code points); inlined so the SDK needs no Ajv at run time. */
const UCS2LENGTH_REQUIRE = /const (func\d+) = require\("ajv\/dist\/runtime\/ucs2length"\)\.default;/g;

export interface RenderedValidators {
  /** validators.cjs: standalone CommonJS, minified. */
  readonly cjs: string;
  /** validators.d.cts: the type of its exports. */
  readonly dcts: string;
  /** validators.ts: the types, and the import of validators.cjs. */
  readonly loader: string;
}

export function renderValidators(definitions: ReadonlyMap<string, JsonObject>, methods: ProtocolMethods): RenderedValidators {
  const exportName = (type: string): string => `validate${type}`;
  const maps: Array<{ name: string; entries: Array<[string, string]> }> = [
    { name: 'resultValidators', entries: [...methods.clientResults].map(([m, t]) => [m, t]) },
    {
      name: 'serverRequestParamsValidators',
      entries: methods.serverRequests.filter((e) => e.paramsName !== undefined).map((e) => [e.method, e.paramsName!]),
    },
    { name: 'serverResponseValidators', entries: [...methods.serverResponses].map(([m, t]) => [m, t]) },
    { name: 'notificationValidators', entries: methods.notifications.map((e) => [e.method, e.paramsName!]) },
  ];
  const types = [...new Set(maps.flatMap((m) => m.entries.map(([, t]) => t)))].sort();

  const ajv = new Ajv({
    code: { source: true, esm: true, lines: false },
    strict: false,
    validateFormats: false,
    allErrors: false,
    inlineRefs: false,
    allowUnionTypes: true,
    messages: false,
  });
  ajv.addSchema({ $id: 'protocol', definitions: strip(Object.fromEntries(definitions)) as JsonObject });
  const refs = Object.fromEntries(types.map((type) => [exportName(type), `protocol#/definitions/${type}`]));
  let code = standaloneCode(ajv, refs);
  if (/require\(/.test(code.replace(UCS2LENGTH_REQUIRE, ''))) throw new Error('codegen: Ajv standalone code needs a runtime helper the SDK does not inline');
  code = code.replace(UCS2LENGTH_REQUIRE, (_, name: string) => `const ${name} = (s) => { let n = 0; for (const _c of s) n++; return n; };`);
  // Plain CommonJS: the exports become local constants, and the tables the one module.exports.
  code = code.replace(/\bexport const /g, 'const ');
  if (/\bexport\b/.test(code.replace(/"[^"]*"/g, ''))) throw new Error('codegen: Ajv standalone code has an export the SDK does not turn into CommonJS');
  const tables = maps.map(({ name, entries }) => `${name}: {${entries.map(([m, t]) => `${JSON.stringify(m)}: ${exportName(t)}`).join(', ')}}`);
  code += `\nmodule.exports = {${tables.join(', ')}};`;
  const cjs = transformSync(code, { minify: true, format: 'cjs', target: 'node20', legalComments: 'none', treeShaking: true }).code;
  const dcts = ["import type { ValidatorTables } from './validators.js';", '', 'declare const tables: ValidatorTables;', 'export = tables;'].join('\n');

  const loader = [
    "import type { ClientRequestMethod, ServerNotificationMethod, ServerRequestMethod } from './methods.js';",
    "import tables from './validators.cjs';",
    '',
    '/** The first mismatch a validator found (Ajv error object, messages off). */',
    'export interface ValidationIssue {',
    '  readonly instancePath: string;',
    '  readonly schemaPath: string;',
    '  readonly keyword: string;',
    '  readonly params: Readonly<Record<string, unknown>>;',
    '}',
    '',
    '/** True when `data` has the shape of the type; otherwise `errors` holds the first mismatch. */',
    'export interface Validator {',
    '  (data: unknown): boolean;',
    '  errors?: readonly ValidationIssue[] | null;',
    '}',
    '',
    '/** The compiled validators (validators.cjs), by method. */',
    'export interface ValidatorTables {',
    '  /** Client request method -> validator of its result. */',
    '  readonly resultValidators: { readonly [M in ClientRequestMethod]: Validator };',
    '  /** Server request method -> validator of its params (absent for methods without params). */',
    '  readonly serverRequestParamsValidators: { readonly [M in ServerRequestMethod]?: Validator };',
    '  /** Server request method -> validator of the answer the client sends. */',
    '  readonly serverResponseValidators: { readonly [M in ServerRequestMethod]: Validator };',
    '  /** Notification method -> validator of its params. */',
    '  readonly notificationValidators: { readonly [M in ServerNotificationMethod]: Validator };',
    '}',
    '',
    '/**',
    ' * The validators. validators.cjs sits beside this module here and beside the builds in dist/',
    ' * (tsup keeps this import as it is), so the ESM and the CJS build share one loaded copy.',
    ' */',
    'export function validators(): ValidatorTables {',
    '  return tables;',
    '}',
  ].join('\n');
  return { cjs, dcts, loader };
}
