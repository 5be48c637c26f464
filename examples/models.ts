/**
 * Models and server metadata: what the server says about itself when it starts
 * (`codex.serverVersion`, `codex.metadata`), and the models it offers (`codex.models()`), with
 * each model's default and supported reasoning efforts and input kinds.
 *
 * The model list comes from the codex binary's catalog (refreshed from the service when logged
 * in), so it is the same offline; it pages through `model/list` for you.
 *
 *   npm run example -- models              # offline, scripted model
 *   CODEX_DEMO_LIVE=1 npm run example -- models   # a logged-in Codex
 */
import { Codex } from 'codex-app-server-sdk';
import { ScriptedModel } from 'codex-app-server-sdk/testing';

const live = process.env.CODEX_DEMO_LIVE === '1';

await using model = live ? undefined : await ScriptedModel.start();
await using home = model ? await model.createCodexHome() : undefined;
await using codex = await Codex.start({ codexHome: home?.path });

// From the initialize handshake: no request needed.
console.log(`server version: ${codex.serverVersion}`);
console.log(`user agent:     ${codex.metadata.userAgent}`);
console.log(`CODEX_HOME:     ${codex.metadata.codexHome}`);
console.log(`platform:       ${codex.metadata.platformFamily}/${codex.metadata.platformOs}`);

const models = await codex.models();
const fallback = models.find((m) => m.isDefault);
console.log(`\n${models.length} models (default: ${fallback?.id ?? 'none'}):`);
for (const m of models) {
  const efforts = m.supportedReasoningEfforts.map((e) => e.reasoningEffort).join('/');
  console.log(`  ${m.isDefault ? '*' : ' '} ${m.id.padEnd(16)} ${m.displayName.padEnd(16)} effort ${m.defaultReasoningEffort} of ${efforts}; input ${(m.inputModalities ?? ['text']).join('+')}`);
}

// Hidden models (older or special-purpose) are left out unless asked for.
const all = await codex.models({ includeHidden: true });
console.log(`\nwith includeHidden: ${all.length} models (${all.length - models.length} hidden)`);

// Each effort comes with a description a UI can show in a picker.
if (fallback) {
  console.log(`\nreasoning efforts of ${fallback.displayName}:`);
  for (const e of fallback.supportedReasoningEfforts) console.log(`  ${e.reasoningEffort.padEnd(7)} ${e.description}`);
}
