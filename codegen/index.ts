/**
 * `npm run codegen`: (a) dump the schema from the installed codex binary, then (b) generate the
 * contents of src/generated/ from that schema alone. Both are built in a scratch directory next to
 * them, and schema/ and src/generated/ are swapped in only when everything succeeded: a failure
 * leaves the checked-in files as they were. `npm run codegen -- --no-dump` regenerates from the
 * checked-in schema/ only.
 */
import { cp, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateFromSchema } from './generate.js';
import { dumpSchema } from './schema-dump.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SCHEMA_DIR = path.join(ROOT, 'schema');
const GENERATED_DIR = path.join(ROOT, 'src', 'generated');

/** Moves `next` into `target`'s place; what `target` held goes to `backup` until the caller drops it. */
async function swapIn(target: string, next: string, backup: string): Promise<void> {
  await rename(target, backup).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  });
  await rename(next, target);
}

async function main(): Promise<void> {
  const started = performance.now();
  const lap = (label: string, since: number) => console.log(`codegen: ${label} in ${Math.round(performance.now() - since)} ms`);
  // Inside the repository, so the swaps are renames on one file system (.tmp/ is git-ignored).
  await mkdir(path.join(ROOT, '.tmp'), { recursive: true });
  const scratch = await mkdtemp(path.join(ROOT, '.tmp', 'codegen-'));
  try {
    const schemaDir = path.join(scratch, 'schema');
    let t = performance.now();
    if (process.argv.includes('--no-dump')) {
      await cp(SCHEMA_DIR, schemaDir, { recursive: true });
    } else {
      const version = await dumpSchema(schemaDir);
      lap(`dumped the schema of codex ${version}`, t);
    }

    t = performance.now();
    const files = await generateFromSchema(schemaDir);
    const generatedDir = path.join(scratch, 'generated');
    await mkdir(generatedDir);
    for (const [name, content] of files) await writeFile(path.join(generatedDir, name), content);
    lap(`generated ${[...files.keys()].join(', ')}`, t);

    // Everything succeeded: swap both in. Should the second swap fail, the first is undone.
    const oldSchema = path.join(scratch, 'old-schema');
    const oldGenerated = path.join(scratch, 'old-generated');
    await swapIn(SCHEMA_DIR, schemaDir, oldSchema);
    try {
      await swapIn(GENERATED_DIR, generatedDir, oldGenerated);
    } catch (error) {
      await rename(SCHEMA_DIR, schemaDir);
      await rename(oldSchema, SCHEMA_DIR);
      throw error;
    }
    console.log('codegen: replaced schema/ and src/generated/');
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  lap('done', started);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
