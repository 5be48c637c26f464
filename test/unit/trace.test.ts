import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/index.js';
import { RpcConnection } from '../../src/rpc/connection.js';
import { checkTrace } from '../../src/rpc/trace.js';
import type { MessageTransport } from '../../src/transport/transport.js';
import { startFake } from '../helpers/fake-server.js';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('trace context', () => {
  it('accepts a W3C traceparent with an optional tracestate', () => {
    expect(checkTrace({ traceparent: TRACEPARENT })).toEqual({ traceparent: TRACEPARENT });
    expect(checkTrace({ traceparent: TRACEPARENT, tracestate: 'vendor=abc' })).toEqual({ traceparent: TRACEPARENT, tracestate: 'vendor=abc' });
    expect(checkTrace(undefined)).toBeUndefined();
    expect(checkTrace(null)).toBeUndefined();
  });

  // Each of these makes codex drop the request without an answer, or is not a trace at all.
  it.each([
    ['a string', 'a string'],
    ['a number traceparent', { traceparent: 42 }],
    ['garbage', { traceparent: 'garbage' }],
    ['upper-case hex', { traceparent: TRACEPARENT.toUpperCase() }],
    ['a zero trace id', { traceparent: `00-${'0'.repeat(32)}-00f067aa0ba902b7-01` }],
    ['a zero span id', { traceparent: `00-4bf92f3577b34da6a3ce929d0e0e4736-${'0'.repeat(16)}-01` }],
    ['version ff', { traceparent: TRACEPARENT.replace(/^00/, 'ff') }],
    ['extra fields on version 00', { traceparent: `${TRACEPARENT}-xx` }],
    ['a number tracestate', { traceparent: TRACEPARENT, tracestate: 1 }],
    ['an array', [TRACEPARENT]],
  ])('refuses %s with InvalidArgumentError', (_label, value) => {
    expect(() => checkTrace(value)).toThrow(InvalidArgumentError);
  });

  it('writes the trace as a top-level member of the request only', async () => {
    const sent: object[] = [];
    const transport: MessageTransport = { start: () => undefined, send: (m) => (sent.push(m), true), close: async () => undefined, stderrTail: () => '', pid: undefined };
    const connection = new RpcConnection(transport, {
      requestTimeoutMs: 50,
      maxInFlightRequests: 4,
      onNotification: () => undefined,
      onProtocolError: () => undefined,
      onServerRequest: async () => undefined,
      onClose: () => undefined,
    });
    const trace = { traceparent: TRACEPARENT, tracestate: 'vendor=abc' };
    const traced = connection.request('thread/list', {}, { trace });
    const plain = connection.request('thread/list', {});
    await Promise.allSettled([traced, plain]);
    expect(sent.map((m) => ({ ...m, id: undefined }))).toEqual([
      { id: undefined, method: 'thread/list', params: {}, trace },
      { id: undefined, method: 'thread/list', params: {} },
    ]);
  });

  it('rejects a malformed per-call or provided trace before sending, and the client stays usable', async () => {
    let provided: unknown = { traceparent: 'nope' };
    await using codex = await startFake({ 'thread/list': [{ reply: { data: [], nextCursor: null } }, { reply: { data: [], nextCursor: null } }] }, { trace: () => provided as never });
    await expect(codex.request('thread/list', {})).rejects.toThrow(/trace \(from the client trace provider\)\.traceparent/);
    await expect(codex.request('thread/list', {}, { trace: { traceparent: 42 } as never })).rejects.toThrow(InvalidArgumentError);
    await expect(codex.threadStart({ trace: 'x' as never })).rejects.toThrow(InvalidArgumentError);
    // null: no trace for this call, and the provider is not asked.
    await expect(codex.request('thread/list', {}, { trace: null })).resolves.toEqual({ data: [], nextCursor: null });
    provided = undefined;
    await expect(codex.request('thread/list', {})).resolves.toEqual({ data: [], nextCursor: null });
  });
});
