import { copyFile } from 'node:fs/promises';
import { defineConfig, type Options } from 'tsup';

/** Keeps `import tables from './validators.cjs'` as it is: the file is copied beside the builds. */
const validatorsBesideTheBuild: NonNullable<Options['esbuildPlugins']>[number] = {
  name: 'validators-beside-the-build',
  setup(build) {
    build.onResolve({ filter: /\/validators\.cjs$/ }, () => ({ path: './validators.cjs', external: true }));
  },
};

const shared: Options = {
  entry: { index: 'src/index.ts', testing: 'src/testing.ts', protocol: 'src/protocol.ts' },
  // `@internal` members (TurnHandle.deliver/fail/abort, constructors, TurnRouter) stay out of
  // the published types; the tests import the sources and still see them.
  dts: { compilerOptions: { stripInternal: true } },
  target: 'node20',
  platform: 'node',
  sourcemap: true,
  esbuildPlugins: [validatorsBesideTheBuild],
};

export default defineConfig([
  // The schema validators (~1.2 MB, minified at codegen) are not bundled: src/generated/validators.ts
  // imports validators.cjs beside itself, and the file goes into dist/ as it is, beside the builds,
  // so one copy serves both and stays out of the source maps.
  { ...shared, format: 'esm', clean: true, onSuccess: () => copyFile('src/generated/validators.cjs', 'dist/validators.cjs') },
  // p-retry and jose are ESM-only: the CJS build bundles them so `require()` works on every
  // Node 20, not only where `require(esm)` is available.
  { ...shared, format: 'cjs', shims: true, noExternal: ['p-retry', 'is-network-error', 'jose'] },
]);
