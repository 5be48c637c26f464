import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InvalidArgumentError, tool, toolNamespace, type LocalTool } from '../../src/index.js';
import type { Notification } from '../../src/index.js';
import { ToolRegistry, toDynamicTools, toContentItems } from '../../src/session/tools.js';

// Everything the server would refuse, or silently drop, is refused before anything is sent.

const schema = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] };
const make = (name: string, extra: Partial<Parameters<typeof tool>[0]> = {}): LocalTool =>
  tool({ name, description: `the ${name} tool`, inputSchema: schema, execute: () => 'ok', ...extra } as Parameters<typeof tool>[0]);

describe('tool()', () => {
  it.each([['a.b'], [''], ['has space'], ['ümlaut']])('refuses the name %j', (name) => {
    expect(() => make(name)).toThrow(InvalidArgumentError);
    expect(() => make(name)).toThrow(/letters, digits/);
  });

  it.each([['exec_command'], ['apply_patch'], ['update_plan'], ['view_image'], ['request_user_input'], ['get_goal'], ['create_goal'], ['update_goal'], ['web_search'], ['write_stdin']])(
    'refuses the built-in name %s, which the server would drop silently',
    (name) => {
      expect(() => make(name)).toThrow(/built-in codex tool/);
    },
  );

  it('refuses a missing description, a missing execute, a bad deadline and a schema that is not one', () => {
    expect(() => make('t', { description: '' })).toThrow(/description/);
    expect(() => make('t', { execute: 'no' as never })).toThrow(/execute/);
    expect(() => make('t', { timeoutMs: -1 })).toThrow(/timeoutMs/);
    expect(() => make('t', { inputSchema: 'object' as never })).toThrow(/inputSchema/);
    expect(() => make('t', { inputSchema: { type: 'object', properties: { a: { type: 'no-such-type' } } } })).toThrow(/not a valid JSON Schema/);
  });

  it('compiles schemas that share an $id, and follows the draft a schema declares', async () => {
    const withId = { $id: 'https://example.com/args', type: 'object', properties: { a: { type: 'string' } } };
    expect(() => [make('one', { inputSchema: { ...withId } }), make('two', { inputSchema: { ...withId } })]).not.toThrow();
    // prefixItems is a 2020-12 keyword: under draft-07 it would be ignored.
    const registry = new ToolRegistry({ timeoutMs: 1_000, redact: (t) => t });
    registry.attach('th', [make('tuple', { inputSchema: { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'array', prefixItems: [{ type: 'string' }] } })]);
    const answer = await registry.handle({ threadId: 'th', turnId: 'tu', callId: 'c', tool: 'tuple', arguments: [1] });
    expect(answer).toMatchObject({ success: false, contentItems: [{ text: expect.stringContaining('/0 must be string') }] });
  });

  it('converts a zod schema to JSON Schema without its $schema member', () => {
    const spec = tool({ name: 'z', description: 'zod', inputSchema: z.object({ n: z.number() }), execute: ({ n }) => String(n + 1) });
    expect(spec.inputSchema).toEqual({ type: 'object', properties: { n: { type: 'number' } }, required: ['n'] });
  });

  it('refuses a Standard Schema that offers no JSON Schema unless one is given', () => {
    const bare = { '~standard': { version: 1 as const, vendor: 'bare', validate: (value: unknown) => ({ value }) } };
    expect(() => tool({ name: 'b', description: 'bare', inputSchema: bare, execute: () => 'x' })).toThrow(/offers no JSON Schema/);
    expect(tool({ name: 'b', description: 'bare', inputSchema: bare, jsonSchema: { type: 'object' }, execute: () => 'x' }).inputSchema).toEqual({ type: 'object' });
  });
});

describe('tools on a thread', () => {
  it('refuses duplicate names, at the top and in a namespace', () => {
    expect(() => toDynamicTools([make('a'), make('a')])).toThrow(/"a" is used twice/);
    expect(() => toolNamespace({ name: 'ns', description: 'd', tools: [make('a'), make('a')] })).toThrow(/"a" is used twice/);
    expect(() => toDynamicTools([make('ns'), toolNamespace({ name: 'ns', description: 'd', tools: [make('a')] })])).toThrow(/"ns" is used twice/);
  });

  it('refuses deferLoading outside a namespace and accepts it inside one', () => {
    const lazy = make('lazy', { deferLoading: true });
    expect(() => toDynamicTools([lazy])).toThrow(/deferLoading, which only works inside a toolNamespace/);
    expect(toDynamicTools([toolNamespace({ name: 'ns', description: 'd', tools: [lazy] })])).toEqual([
      { type: 'namespace', name: 'ns', description: 'd', tools: [{ type: 'function', name: 'lazy', description: 'the lazy tool', inputSchema: schema, deferLoading: true }] },
    ]);
  });

  it('refuses anything not made by tool() or toolNamespace()', () => {
    expect(() => toDynamicTools('get_weather')).toThrow(InvalidArgumentError);
    expect(() => toDynamicTools([{ type: 'function', name: 'x', description: 'x', inputSchema: {} }])).toThrow(/tool\(\) or toolNamespace\(\)/);
    expect(() => toolNamespace({ name: 'ns', description: 'd', tools: [] })).toThrow(/non-empty/);
  });
});

describe('ToolRegistry', () => {
  const params = { threadId: 'th', turnId: 'tu', callId: 'c1', tool: 'get', arguments: { city: 'Paris' } };

  it('leaves calls of unknown tools and threads to the other handlers', () => {
    const registry = new ToolRegistry({ timeoutMs: 1_000, redact: (t) => t });
    registry.attach('th', [make('get')]);
    expect(registry.handle({ ...params, tool: 'other' })).toBeUndefined();
    expect(registry.handle({ ...params, threadId: 'other' })).toBeUndefined();
    expect(registry.handle({ ...params, namespace: 'ns' })).toBeUndefined();
    expect(registry.handle(null)).toBeUndefined();
  });

  it('fires running calls’ signals and answers at once when the client closes', async () => {
    const registry = new ToolRegistry({ timeoutMs: 60_000, redact: (t) => t });
    let signal: AbortSignal | undefined;
    registry.attach('th', [make('get', { execute: (_a: unknown, c: { signal: AbortSignal }) => ((signal = c.signal), new Promise(() => undefined)) } as never)]);
    const answer = registry.handle(params)!;
    await new Promise((resolve) => setTimeout(resolve, 10));
    registry.closeAll(new Error('client closed'));
    await expect(answer).resolves.toEqual({ success: false, contentItems: [{ type: 'inputText', text: 'get was cancelled: client closed' }] });
    expect(signal?.aborted).toBe(true);
  });

  it('ends a running call when its own item completes, not when another thread or turn reuses its call id', async () => {
    const registry = new ToolRegistry({ timeoutMs: 60_000, redact: (t) => t });
    let signal: AbortSignal | undefined;
    registry.attach('th', [make('get', { execute: (_a: unknown, c: { signal: AbortSignal }) => ((signal = c.signal), new Promise(() => undefined)) } as never)]);
    const answer = registry.handle(params)!;
    await new Promise((resolve) => setTimeout(resolve, 10));
    const completed = (threadId: string, turnId: string) =>
      ({ method: 'item/completed', params: { threadId, turnId, item: { type: 'dynamicToolCall', id: 'c1' } } }) as unknown as Notification;
    registry.observe(completed('other-thread', 'tu'));
    registry.observe(completed('th', 'other-turn'));
    expect(signal?.aborted).toBe(false);
    registry.observe(completed('th', 'tu'));
    expect(signal?.aborted).toBe(true);
    await expect(answer).resolves.toMatchObject({ success: false });
  });

  it('maps what execute returns to content items', () => {
    expect(toContentItems('hi')).toEqual([{ type: 'inputText', text: 'hi' }]);
    expect(toContentItems({ temp: 21 })).toEqual([{ type: 'inputText', text: '{"temp":21}' }]);
    expect(toContentItems(undefined)).toEqual([{ type: 'inputText', text: '' }]);
    expect(toContentItems([{ type: 'text', text: 'a' }, { type: 'image', url: 'data:image/png;base64,AA' }])).toEqual([
      { type: 'inputText', text: 'a' },
      { type: 'inputImage', imageUrl: 'data:image/png;base64,AA' },
    ]);
  });
});
