// `npm run example -- <name> [args...]`: runs examples/<name>.ts with tsx, as a user would.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

const [name, ...args] = process.argv.slice(2);
const dir = new URL('../examples/', import.meta.url);
const names = readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)).sort();
if (!name || !existsSync(new URL(`${name.replace(/\.ts$/, '')}.ts`, dir))) {
  console.error(`usage: npm run example -- <name> [args...]\nexamples: ${names.join(', ')}`);
  process.exit(2);
}
const file = new URL(`${name.replace(/\.ts$/, '')}.ts`, dir).pathname;
const child = spawnSync(process.execPath, ['--import', 'tsx', file, ...args], { stdio: 'inherit' });
process.exit(child.status ?? 1);
