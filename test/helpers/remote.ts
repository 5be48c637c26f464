import { Codex, type CodexConnectOptions } from '../../src/index.js';
import { ScriptedModel, startAppServer, type AppServer, type StartAppServerOptions, type TemporaryCodexHome } from '../../src/testing.js';

/** A scripted model, a throwaway CODEX_HOME, and the real app-server listening on it. */
export interface Remote extends AsyncDisposable {
  readonly model: ScriptedModel;
  readonly home: TemporaryCodexHome;
  readonly server: AppServer;
  /** Connects a client with the server's credentials; `extra` overrides them. Closed on dispose. */
  connect(extra?: Partial<CodexConnectOptions>): Promise<Codex>;
}

export async function remote(options: Omit<StartAppServerOptions, 'codexHome'> = {}): Promise<Remote> {
  const model = await ScriptedModel.start();
  const home = await model.createCodexHome();
  let server: AppServer;
  try {
    server = await startAppServer({ ...options, codexHome: home.path });
  } catch (error) {
    await model.close();
    await home.remove();
    throw error;
  }
  const clients: Codex[] = [];
  return {
    model,
    home,
    server,
    async connect(extra = {}) {
      const codex = await Codex.connect({
        url: server.url,
        ...(server.tokenFile !== undefined && { tokenFile: server.tokenFile }),
        ...(server.secretFile !== undefined && { signedToken: { secretFile: server.secretFile, issuer: server.issuer, audience: server.audience } }),
        ...extra,
      });
      clients.push(codex);
      return codex;
    },
    async [Symbol.asyncDispose]() {
      await Promise.all(clients.map((client) => client.close()));
      await server.close();
      await model.close();
      await home.remove();
    },
  };
}
