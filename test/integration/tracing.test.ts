import { AsyncLocalStorage } from 'node:async_hooks';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, ROOT_CONTEXT, trace, type Context, type ContextManager } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTelemetryTrace } from '../../src/index.js';
import { reply } from '../../src/testing.js';
import { scripted } from '../helpers/scripted.js';

// Trace context against the real binary: codex exports its spans over OTLP/HTTP (JSON) to this
// test's own collector, and they must join the trace the client sent.

interface OtlpSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly attributes?: ReadonlyArray<{ key: string; value: { stringValue?: string } }>;
}

/** An OTLP/HTTP collector on 127.0.0.1 that keeps every span posted to /v1/traces. */
async function startCollector(): Promise<{ endpoint: string; spans: OtlpSpan[]; close: () => Promise<void> }> {
  const spans: OtlpSpan[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          resourceSpans?: Array<{ scopeSpans?: Array<{ spans?: OtlpSpan[] }> }>;
        };
        for (const resource of body.resourceSpans ?? []) for (const scope of resource.scopeSpans ?? []) spans.push(...(scope.spans ?? []));
      } catch {
        // Not JSON: not ours to judge here; the assertions below will miss its spans.
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}/v1/traces`,
    spans,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The smallest context manager: what an OpenTelemetry SDK registers, on AsyncLocalStorage. */
class StorageContextManager implements ContextManager {
  readonly #storage = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.#storage.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    return this.#storage.run(ctx, () => fn.call(thisArg, ...args));
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.#storage.disable();
    return this;
  }
}

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';

async function waitFor(check: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!check() && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
}

describe('tracing', () => {
  beforeAll(() => {
    context.setGlobalContextManager(new StorageContextManager());
  });
  afterAll(() => {
    context.disable();
  });

  it("sends the active span's context: the server's spans join the client's trace", async () => {
    const collector = await startCollector();
    try {
      await using env = await scripted({
        codex: { config: { otel: { trace_exporter: { 'otlp-http': { endpoint: collector.endpoint, protocol: 'json' } } } }, trace: await openTelemetryTrace() },
      });
      const { codex, model } = env;
      const thread = await codex.threadStart();
      model.enqueue(reply.message('traced'));
      const parent = trace.wrapSpanContext({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 1 });
      const result = await context.with(trace.setSpan(context.active(), parent), () => thread.run('hello'));
      expect(result.finalResponse).toBe('traced');

      // Outside the span, no trace is sent: that turn gets a trace of its own.
      model.enqueue(reply.message('untraced'));
      await thread.run('again');

      // The model request of the traced turn carries the trace on.
      const traced = model.requests.find((r) => r.lastUserText === 'hello');
      expect(traced?.header('traceparent')).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
      const untraced = model.requests.find((r) => r.lastUserText === 'again');
      expect(untraced?.header('traceparent') ?? '').not.toContain(TRACE_ID);

      // Spans are exported in batches; closing the server flushes them.
      await codex.close();
      await waitFor(() => collector.spans.some((s) => s.traceId === TRACE_ID && s.name === 'turn/start'), 10_000);
      const turnStart = collector.spans.find((s) => s.traceId === TRACE_ID && s.name === 'turn/start');
      expect(turnStart).toBeDefined();
      expect(turnStart!.parentSpanId).toBe(SPAN_ID);
      expect(turnStart!.attributes?.find((a) => a.key === 'turn.id')?.value.stringValue).toBe(result.id);
      expect(collector.spans.filter((s) => s.traceId === TRACE_ID).length).toBeGreaterThan(1);
    } finally {
      await collector.close();
    }
  });

  it('sends a per-call trace context, which wins over the provider', async () => {
    const collector = await startCollector();
    try {
      const providerTrace = { traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01` };
      await using env = await scripted({
        codex: { config: { otel: { trace_exporter: { 'otlp-http': { endpoint: collector.endpoint, protocol: 'json' } } } }, trace: () => providerTrace },
      });
      const { codex, model } = env;
      const thread = await codex.threadStart();
      model.enqueue(reply.message('ok'));
      const result = await thread.run('per call', { trace: { traceparent: `00-${TRACE_ID}-${SPAN_ID}-01`, tracestate: 'vendor=abc' } });
      const request = model.requests.find((r) => r.lastUserText === 'per call');
      expect(request?.header('traceparent')).toMatch(new RegExp(`^00-${TRACE_ID}-`));
      expect(request?.header('tracestate')).toBe('vendor=abc');
      await codex.close();
      await waitFor(() => collector.spans.some((s) => s.traceId === TRACE_ID && s.name === 'turn/start'), 10_000);
      expect(collector.spans.find((s) => s.traceId === TRACE_ID && s.name === 'turn/start')?.attributes?.find((a) => a.key === 'turn.id')?.value.stringValue).toBe(result.id);
    } finally {
      await collector.close();
    }
  });
});
