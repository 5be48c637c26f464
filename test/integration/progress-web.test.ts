import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { chromium, type Browser, type Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';

// examples/progress-web as a user sees it: the server runs as `node --import tsx
// examples/progress-web/server.ts` (offline, scripted model, real app-server) and Debian's
// Chromium, driven by playwright-core, clicks through the page. .ci/run installs chromium; where
// it is missing locally, the test is skipped and says so.

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
const SKIP_NOTE = `skipped: ${CHROMIUM} not found (apt-get install -y chromium; .ci/run installs it)`;
if (!hasChromium) console.warn(`progress-web browser test ${SKIP_NOTE}`);

const CHROMIUM_ARGS = [
  '--no-sandbox', // everything here runs as root
  '--headless',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const root = new URL('../../', import.meta.url);
const ARTIFACTS = process.env.ARTIFACTS_DIR ?? path.join(os.tmpdir(), 'codex-app-server-sdk-artifacts');

interface Started {
  readonly child: ChildProcess;
  readonly url: string;
  readonly workspace: string;
}

/** Starts the example and reads the URL and workspace from its first line. */
async function startExample(): Promise<Started> {
  const env = { ...process.env };
  delete env.CODEX_DEMO_LIVE;
  delete env.PORT;
  const child = spawn(process.execPath, ['--import', 'tsx', 'examples/progress-web/server.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`progress-web exited (${code}) before listening`)));
  });
  const match = /open (http:\/\/127\.0\.0\.1:\d+\/) \(workspace (\S+);/.exec(first);
  if (!match) throw new Error(`unexpected first line: ${first}`);
  return { child, url: match[1]!, workspace: match[2]! };
}

async function stopExample(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

// Code that runs in the page, kept as source text: this project's types are Node's, not the DOM's.

/** The timeline as the user reads it: each entry's kind, status, text and approval box. */
const READ_TIMELINE = `[...document.querySelectorAll('#timeline > li')].map((element) => {
  if (element.classList.contains('message')) return { entry: 'message', text: element.textContent };
  const out = { entry: element.dataset.kind, status: element.dataset.status, label: element.querySelector('code')?.textContent ?? '' };
  const approval = element.querySelector('.approval');
  if (approval) out.approval = approval.textContent;
  return out;
})`;

/** Records the first message's length at every change, to see it grow piece by piece. */
const RECORD_TEXT_LENGTHS = `window.textLengths = [];
new MutationObserver(() => {
  const first = document.querySelector('.message');
  if (first && window.textLengths.at(-1) !== first.textContent.length) window.textLengths.push(first.textContent.length);
}).observe(document, { subtree: true, childList: true, characterData: true });`;

function readTimeline(page: Page): Promise<Record<string, string>[]> {
  return page.evaluate(READ_TIMELINE) as Promise<Record<string, string>[]>;
}

describe('examples/progress-web in headless Chromium', () => {
  it.skipIf(!hasChromium)(
    hasChromium ? 'streams the text, shows items in order, and Decline declines the command' : `streams the text… (${SKIP_NOTE})`,
    async () => {
      let browser: Browser | undefined;
      const example = await startExample();
      try {
        browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
        const page = await browser.newPage({ viewport: { width: 900, height: 640 } });
        await page.addInitScript({ content: RECORD_TEXT_LENGTHS });
        await page.goto(example.url);
        await page.click('#run');

        // The command waits for an answer: the comment and the file change came first.
        const decline = page.locator('.approval button.decline');
        await decline.waitFor({ timeout: 30_000 });
        expect(await readTimeline(page)).toEqual([
          { entry: 'message', text: "I'll write notes.md, then clear the build folder." },
          { entry: 'file change', status: 'completed', label: 'file change: add notes.md' },
          {
            entry: 'command',
            status: 'inProgress',
            label: "command: /bin/bash -c 'rm -rf build'",
            approval: 'Approve command (build/ is removed outside the sandbox)? AcceptDecline',
          },
        ]);
        expect(await page.textContent('#status')).toBe('Waiting for your answer…');

        await decline.click();
        await page.locator('#status[data-status]').waitFor({ timeout: 30_000 });
        expect(await readTimeline(page)).toEqual([
          { entry: 'message', text: "I'll write notes.md, then clear the build folder." },
          { entry: 'file change', status: 'completed', label: 'file change: add notes.md' },
          { entry: 'command', status: 'declined', label: "command: /bin/bash -c 'rm -rf build'", approval: 'You chose: decline.' },
          { entry: 'message', text: 'notes.md is written. I left build/ alone, since removing it was declined.' },
        ]);
        expect(await page.textContent('#status')).toBe('Turn completed.');
        expect(await page.textContent('#usage')).toMatch(/^Tokens: \d+ input \(\d+ cached\), \d+ output, \d+ total\.$/);
        // The text streamed: the page showed the first message growing in several steps.
        const lengths = (await page.evaluate('window.textLengths')) as number[];
        expect(lengths.length).toBeGreaterThan(2);
        expect([...lengths].sort((a, b) => a - b)).toEqual(lengths);
        // Declined means not run: build/ is still there; the file change did happen.
        expect(existsSync(path.join(example.workspace, 'build'))).toBe(true);
        expect(existsSync(path.join(example.workspace, 'notes.md'))).toBe(true);

        mkdirSync(ARTIFACTS, { recursive: true });
        const screenshot = path.join(ARTIFACTS, 'progress-web.png');
        await page.screenshot({ path: screenshot, fullPage: true });
        console.log(`progress-web screenshot: ${screenshot}`);
      } finally {
        await browser?.close();
        await stopExample(example.child);
      }
    },
    90_000,
  );
});
