import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';

// What `npm install` downloads and unpacks. With the schema validators (~1.2 MB minified) shipped
// once as dist/validators.cjs, the tarball packs to ~1.0 MB and unpacks to ~5.0 MB (codex 0.171.0).
// Inlining the validators into the builds again (unminified, twice, and into the source maps)
// made it 1.7 MB / 12.6 MB. The limits leave ~30% for the protocol growing with codex versions
// and catch that regression, or anything else of its size. `npm test` builds first; a bare
// `vitest run` builds here if dist/ is missing.
const PACKED_LIMIT = 1_300_000;
const UNPACKED_LIMIT = 6_500_000;

const root = new URL('../../', import.meta.url);

beforeAll(() => {
  if (!existsSync(new URL('dist/index.cjs', root)) || !existsSync(new URL('dist/validators.cjs', root))) {
    execFileSync('npx', ['tsup'], { cwd: root, stdio: 'ignore' });
  }
}, 120_000);

interface PackResult {
  readonly size: number;
  readonly unpackedSize: number;
  readonly files: ReadonlyArray<{ readonly path: string; readonly size: number }>;
}

describe('published tarball', () => {
  it('stays under its size limits and ships the validators once, as codegen made them', () => {
    const [pack] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8' })) as PackResult[];
    expect(pack!.size).toBeLessThanOrEqual(PACKED_LIMIT);
    expect(pack!.unpackedSize).toBeLessThanOrEqual(UNPACKED_LIMIT);
    const validators = pack!.files.find((file) => file.path === 'dist/validators.cjs');
    expect(validators?.size).toBe(statSync(new URL('src/generated/validators.cjs', root)).size);
    // No build or source map carries a second copy (the compiled code names schema paths).
    const copies = pack!.files.filter((file) => file.path !== 'dist/validators.cjs' && /schemaPath:\s*"#\//.test(readFileSync(new URL(file.path, root), 'utf8')));
    expect(copies).toEqual([]);
  });
});
