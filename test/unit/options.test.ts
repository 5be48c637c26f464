import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, externalMessage, image, localImage, mention, skill, text } from '../../src/index.js';
import { toWireInput } from '../../src/session/inputs.js';
import { toWireParams } from '../../src/session/options.js';

describe('toWireParams', () => {
  it('applies an approval preset under explicit wire fields and drops SDK-only keys', () => {
    const controller = new AbortController();
    expect(toWireParams({ model: 'm', signal: controller.signal, timeoutMs: 5, onServerRequest: {} }, 'autoReview', 'sandbox')).toEqual({
      model: 'm',
      approvalPolicy: 'on-request',
      approvalsReviewer: 'auto_review',
    });
    expect(toWireParams({ approvalMode: 'ask', approvalPolicy: 'never' }, 'autoReview', 'sandbox')).toEqual({
      approvalPolicy: 'never',
      approvalsReviewer: 'user',
    });
    expect(toWireParams({ approvalMode: 'denyAll' }, undefined, 'sandbox')).toEqual({ approvalPolicy: 'never' });
    expect(toWireParams({ model: 'x' }, undefined, 'sandboxPolicy')).toEqual({ model: 'x' });
  });

  it('maps sandbox to a thread’s sandbox or a turn’s sandboxPolicy, which wins if given', () => {
    expect(toWireParams({ sandbox: 'read-only' }, undefined, 'sandbox')).toEqual({ sandbox: 'read-only' });
    expect(toWireParams({ sandbox: 'workspace-write' }, undefined, 'sandboxPolicy')).toEqual({ sandboxPolicy: { type: 'workspaceWrite' } });
    expect(toWireParams({ sandbox: 'read-only', sandboxPolicy: { type: 'dangerFullAccess' } }, undefined, 'sandboxPolicy')).toEqual({
      sandboxPolicy: { type: 'dangerFullAccess' },
    });
  });

  it('names a bad approval mode or sandbox', () => {
    expect(() => toWireParams({ approvalMode: 'yolo' as never }, undefined, 'sandbox')).toThrow(/approvalMode: must be one of autoReview, ask, denyAll/);
    expect(() => toWireParams({ sandbox: 'open' as never }, undefined, 'sandboxPolicy')).toThrow(InvalidArgumentError);
  });

  it('refuses names every object inherits, instead of starting a thread with no approval fields', () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      for (const defaultMode of ['autoReview', undefined] as const) {
        expect(() => toWireParams({ approvalMode: name as never }, defaultMode, 'sandbox'), name).toThrow(/Invalid approvalMode: must be one of/);
      }
      expect(() => toWireParams({ sandbox: name as never }, undefined, 'sandboxPolicy'), name).toThrow(/Invalid sandbox: must be one of/);
    }
  });
});

describe('input helpers', () => {
  const png = path.join(mkdtempSync(path.join(os.tmpdir(), 'sdk-inputs-')), 'p.png');
  writeFileSync(png, 'not really a png');
  it('build the wire items', () => {
    expect(toWireInput('hi')).toEqual({ input: [{ type: 'text', text: 'hi' }] });
    expect(toWireInput(image('data:x')).input).toEqual([{ type: 'image', url: 'data:x' }]);
    expect(toWireInput([text('a'), localImage(png), skill('s', '/s/SKILL.md'), mention('m', 'app://m')]).input).toEqual([
      { type: 'text', text: 'a' },
      { type: 'localImage', path: png },
      { type: 'skill', name: 's', path: '/s/SKILL.md' },
      { type: 'mention', name: 'm', path: 'app://m' },
    ]);
    expect(toWireInput(externalMessage({ toolName: 'tool', content: 'out', namespace: 'ns' }))).toEqual({
      input: [],
      toolOutput: { name: 'tool', output: 'out', namespace: 'ns' },
    });
  });

  it('rejects empty or malformed input, naming it', () => {
    expect(() => toWireInput('')).toThrow(/Invalid input: is an empty string/);
    expect(() => toWireInput([])).toThrow(/Invalid input: is an empty array/);
    expect(() => toWireInput([text('ok'), null as never])).toThrow(/Invalid input\[1\]/);
    expect(() => toWireInput({ type: 'text' } as never)).toThrow(/without a string `text`/);
    expect(() => toWireInput(42 as never)).toThrow(InvalidArgumentError);
    expect(() => toWireInput(externalMessage({ toolName: '', content: 'x' }))).toThrow(/toolName/);
  });
});
