/**
 * `npm run codegen`: (a) dump schema/ from the installed codex binary, then (b) regenerate
 * src/generated/ from schema/ alone. `npm run codegen -- --no-dump` runs (b) only.
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateFromSchema } from './generate.js';
import { dumpSchema } from './schema-dump.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SCHEMA_DIR = path.join(ROOT, 'schema');
const GENERATED_DIR = path.join(ROOT, 'src', 'generated');

/** Writes `files` into `dir` and deletes anything else there: the directory is output only. */
async function writeGenerated(dir: string, files: ReadonlyMap<string, string>): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const entry of await readdir(dir)) {
    if (!files.has(entry)) await rm(path.join(dir, entry), { recursive: true, force: true });
  }
  for (const [name, content] of files) await writeFile(path.join(dir, name), content);
}

async function main(): Promise<void> {
  const started = performance.now();
  const lap = (label: string, since: number) => console.log(`codegen: ${label} in ${Math.round(performance.now() - since)} ms`);

  if (!process.argv.includes('--no-dump')) {
    const t = performance.now();
    const version = await dumpSchema(SCHEMA_DIR);
    lap(`dumped schema/ from codex ${version}`, t);
  }
  const t = performance.now();
  const files = await generateFromSchema(SCHEMA_DIR);
  await writeGenerated(GENERATED_DIR, files);
  lap(`wrote ${[...files.keys()].map((f) => `src/generated/${f}`).join(', ')}`, t);
  lap('done', started);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
