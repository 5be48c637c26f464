// A CommonJS consumer of the published types (dist/*.d.cts), as `require()` sees them.
/* eslint-disable @typescript-eslint/no-require-imports -- require() style is what this file checks */
import sdk = require('codex-app-server-sdk');
import testing = require('codex-app-server-sdk/testing');
import protocol = require('codex-app-server-sdk/protocol');

/** The protocol's thread record, from the types-only subpath. */
export type ThreadRecord = protocol.Thread;
export const requestMethods: readonly string[] = protocol.CLIENT_REQUEST_METHODS;

export async function consume(): Promise<string | null> {
  const model = await testing.ScriptedModel.start();
  model.enqueue(testing.reply.message('hi'));
  const home = await model.createCodexHome();
  const codex = await sdk.Codex.start({ codexHome: home.path });
  try {
    const result = await (await codex.threadStart()).run('hello');
    return result.finalResponse;
  } finally {
    await codex.close();
    await model.close();
    await home.remove();
  }
}
