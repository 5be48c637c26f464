/**
 * Turn inputs: a string, one item, or an array of items built with `text()`, `image()` (a
 * `data:` URL: codex 0.169 refuses remote http URLs) and `localImage()` (a file the server reads);
 * and `externalMessage()`, the output of a tool that ran outside codex, sent as the turn's
 * `toolOutput` instead of user text. Empty or malformed input fails with `InvalidArgumentError`
 * before anything is sent.
 *
 * Offline, the scripted model records each request, so this prints what actually reached it.
 *
 *   node --import tsx examples/inputs.ts            # offline, scripted model
 *   CODEX_DEMO_LIVE=1 node --import tsx examples/inputs.ts   # a logged-in Codex
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Codex, InvalidArgumentError, externalMessage, image, localImage, text } from 'codex-app-server-sdk';
import { ScriptedModel, reply } from 'codex-app-server-sdk/testing';

const live = process.env.CODEX_DEMO_LIVE === '1';

// A 1x1 PNG, once as a data URL and once as a file on disk.
const PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
const dataUrl = `data:image/png;base64,${PNG_BASE64}`;
const dir = mkdtempSync(path.join(os.tmpdir(), 'inputs-example-'));
const pngPath = path.join(dir, 'pixel.png');
writeFileSync(pngPath, Buffer.from(PNG_BASE64, 'base64'));

await using model = live ? undefined : await ScriptedModel.start();
model?.enqueue(
  reply.message('A plain string is one text item.'),
  reply.message('Two identical one-pixel images.'),
  reply.message('Sunny and 21°C in Lisbon: a good day for a walk.'),
);
await using home = model ? await model.createCodexHome() : undefined;
await using codex = await Codex.start({ codexHome: home?.path });
const thread = await codex.threadStart();

// 1. A string: shorthand for [text(...)].
console.log(`1. string -> ${(await thread.run('Say hi in five words.')).finalResponse}`);

// 2. Several items: text, an image by data URL, an image file the server reads and attaches.
const pictures = await thread.run([text('Describe these two images in one sentence.'), image(dataUrl), localImage(pngPath)]);
console.log(`2. text + image + localImage -> ${pictures.finalResponse}`);
if (model) {
  const request = model.requests[1]!;
  console.log(`   the model got text ${JSON.stringify(request.lastUserText)} and ${request.userImages.length} images:`);
  for (const url of request.userImages) console.log(`     ${url.slice(0, 40)}... (${url.length} chars)`);
}

// 3. An external tool's output, as the turn input.
const weather = await thread.run(externalMessage({ toolName: 'weather', content: 'Lisbon: sunny, 21°C' }));
console.log(`3. externalMessage -> ${weather.finalResponse}`);
if (model) {
  const sent = model.requests[2]!.input.find((item) => item['type'] === 'function_call_output');
  console.log(`   the model got: ${JSON.stringify(sent)}`);
}

// 4. Bad input is refused locally, before anything is sent.
const refused = await thread.run([]).catch((e: unknown) => e);
if (!(refused instanceof InvalidArgumentError)) throw refused;
console.log(`4. ${refused.name}: ${refused.message}`);
rmSync(dir, { recursive: true, force: true });
