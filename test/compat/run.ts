/**
 * `npm run test:compat -- <version>`: installs `@openai/codex@<version>` into a temporary folder
 * and runs the integration suite against its binary (through `codexPath`, via the test helpers'
 * CODEX_SDK_TEST_CODEX_PATH). The examples are left out: they start their own clients with the
 * pinned binary. Prints the vitest summary; exits with vitest's code.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const version = process.argv[2];
if (version === undefined || !/^\d+\.\d+\.\d+(?:-[\w.]+)?$/.test(version)) {
  console.error('usage: npm run test:compat -- <codex version, e.g. 0.169.0>');
  process.exit(2);
}

const folder = mkdtempSync(path.join(tmpdir(), `codex-compat-${version}-`));
try {
  const install = spawnSync('npm', ['install', '--prefix', folder, '--no-save', '--no-package-lock', '--no-audit', '--no-fund', `@openai/codex@${version}`], {
    stdio: 'inherit',
  });
  if (install.status !== 0) throw new Error(`npm install @openai/codex@${version} failed`);
  const platformPackage = path.join(folder, 'node_modules', '@openai', `codex-${process.platform}-${process.arch}`, 'vendor');
  const triple = existsSync(platformPackage) ? readdirSync(platformPackage)[0] : undefined;
  const binary = triple === undefined ? undefined : path.join(platformPackage, triple, 'bin', 'codex');
  if (binary === undefined || !existsSync(binary)) throw new Error(`no codex binary for ${process.platform}-${process.arch} in @openai/codex@${version}`);
  console.log(`test:compat: codex ${version} at ${binary}`);
  // Anything after the version goes to vitest (e.g. `-t 'abort'` or one test file).
  const extra = process.argv.slice(3);
  const files = extra.some((a) => a.startsWith('test/')) ? [] : ['test/integration'];
  const run = spawnSync('npx', ['vitest', 'run', ...files, '--exclude', 'test/integration/examples.test.ts', ...extra], {
    stdio: 'inherit',
    env: { ...process.env, CODEX_SDK_TEST_CODEX_PATH: binary, CODEX_SDK_TEST_CODEX_VERSION: version },
  });
  process.exitCode = run.status ?? 1;
} finally {
  rmSync(folder, { recursive: true, force: true });
}
