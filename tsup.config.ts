import { defineConfig, type Options } from 'tsup';

const shared: Options = {
  entry: { index: 'src/index.ts', testing: 'src/testing.ts', protocol: 'src/protocol.ts' },
  // `@internal` members (TurnHandle.deliver/fail/abort, constructors, TurnRouter) stay out of
  // the published types; the tests import the sources and still see them.
  dts: { compilerOptions: { stripInternal: true } },
  target: 'node20',
  platform: 'node',
  sourcemap: true,
};

export default defineConfig([
  { ...shared, format: 'esm', clean: true },
  // p-retry and jose are ESM-only: the CJS build bundles them so `require()` works on every
  // Node 20, not only where `require(esm)` is available.
  { ...shared, format: 'cjs', shims: true, noExternal: ['p-retry', 'is-network-error', 'jose'] },
]);
