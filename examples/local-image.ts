/**
 * A local image with text: `localImage(path)` names a file on the machine where the app-server
 * runs; the server reads it and sends it to the model with your text. (For an image you already
 * hold in memory or on the web, use `image(url)` with a data: or https: URL; see inputs.ts.)
 *
 * The example writes a small PNG (an 8x8 red and blue checkerboard) to a temporary folder first.
 *
 *   npm run example -- local-image              # offline, scripted model
 *   CODEX_DEMO_LIVE=1 npm run example -- local-image   # a logged-in Codex looks at the picture
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Codex, localImage, text } from 'codex-app-server-sdk';
import { ScriptedModel, reply } from 'codex-app-server-sdk/testing';

const live = process.env.CODEX_DEMO_LIVE === '1';

const CHECKERBOARD_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAHElEQVR42mN4YGAARwYJD+CIgYoSyBxkRVSUAACat1YBuOi9tAAAAABJRU5ErkJggg==';
const dir = mkdtempSync(path.join(os.tmpdir(), 'local-image-example-'));
try {
  const file = path.join(dir, 'checkerboard.png');
  writeFileSync(file, Buffer.from(CHECKERBOARD_PNG, 'base64'));
  console.log(`wrote ${path.basename(file)} (${statSync(file).size} bytes) to a temporary folder`);

  await using model = live ? undefined : await ScriptedModel.start();
  model?.enqueue(reply.message('A small checkerboard of red and blue squares.'));
  await using home = model ? await model.createCodexHome() : undefined;
  await using codex = await Codex.start({ codexHome: home?.path });
  const thread = await codex.threadStart();

  // Text and image in one turn: the items are sent in this order.
  const result = await thread.run([text('What is in this picture? One sentence.'), localImage(file)]);
  console.log(`assistant: ${result.finalResponse}`);

  // The turn's user message keeps the file's path...
  const user = result.items.find((item) => item.type === 'userMessage');
  const parts = user?.type === 'userMessage' ? user.content.map((c) => (c.type === 'localImage' ? `localImage ${path.basename(c.path)}` : c.type)) : [];
  console.log(`user message: ${parts.join(' + ')}`);

  // ...and the model received the image itself, inline as a data URL (offline, we can look).
  if (model) {
    const request = model.requests[0]!;
    const sent = request.userImages[0] ?? '';
    console.log(`the model got text ${JSON.stringify(request.userTexts.find((t) => t.startsWith('What is')))} and ${request.userImages.length} image`);
    console.log(`  ${sent.slice(0, 22)}… the same bytes as the file: ${sent.endsWith(CHECKERBOARD_PNG)}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true }); // the server has read the file: it can go
}
