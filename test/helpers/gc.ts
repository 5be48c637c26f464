import v8 from 'node:v8';
import vm from 'node:vm';

/** A forced full garbage collection, available without starting node with --expose-gc. */
export function forceGc(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}
