/**
 * Tracing: every request can carry W3C trace context, so the server's spans (a `turn/start`
 * span and the work under it) join your application's trace. Per call with `{ trace }`, or for
 * every request with `Codex.start({ trace: provider })`; `openTelemetryTrace()` is a provider
 * that sends the active OpenTelemetry span's context (needs `@opentelemetry/api`).
 *
 * codex exports its spans when its config has `[otel] trace_exporter`. Offline, this example
 * points it at a small OTLP/HTTP collector of its own and prints the spans of your trace.
 *
 *   node --import tsx examples/tracing.ts            # offline, scripted model
 *   CODEX_DEMO_LIVE=1 node --import tsx examples/tracing.ts   # a logged-in Codex
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, ROOT_CONTEXT, trace, type Context } from '@opentelemetry/api';
import { Codex, openTelemetryTrace } from 'codex-app-server-sdk';
import { ScriptedModel, reply } from 'codex-app-server-sdk/testing';

const live = process.env.CODEX_DEMO_LIVE === '1';

// A stand-in for an OTLP collector (Jaeger, Tempo, an OpenTelemetry Collector...).
const spans: Array<{ traceId: string; spanId: string; parentSpanId?: string; name: string }> = [];
const collector = http.createServer((req, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
  req.on('end', () => {
    const data = JSON.parse(body) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: typeof spans }> }> };
    for (const resource of data.resourceSpans) for (const scope of resource.scopeSpans) spans.push(...scope.spans);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}/v1/traces`;

// An OpenTelemetry SDK (e.g. NodeSDK) registers a context manager; this minimal one stands in.
const storage = new AsyncLocalStorage<Context>();
context.setGlobalContextManager({
  active: () => storage.getStore() ?? ROOT_CONTEXT,
  with: (ctx, fn, thisArg, ...args) => storage.run(ctx, () => fn.call(thisArg, ...args)),
  bind: (_ctx, target) => target,
  enable() {
    return this;
  },
  disable() {
    return this;
  },
});

await using model = live ? undefined : await ScriptedModel.start();
model?.enqueue(reply.message('Traced answer.'), reply.message('Per-call traced answer.'));
await using home = model ? await model.createCodexHome() : undefined;

{
  await using codex = await Codex.start({
    codexHome: home?.path,
    config: { otel: { trace_exporter: { 'otlp-http': { endpoint, protocol: 'json' } } } },
    // Called for each request: the active span's context, if there is one.
    trace: await openTelemetryTrace(),
  });
  const thread = await codex.threadStart();

  // Your application's span (a real tracer's startActiveSpan() does the same).
  const appSpan = trace.wrapSpanContext({ traceId: 'a1b2c3d4e5f60718293a4b5c6d7e8f90', spanId: '1122334455667788', traceFlags: 1 });
  const first = await context.with(trace.setSpan(context.active(), appSpan), () => thread.run('Say something traced.'));
  console.log(`1. inside the app span: ${first.finalResponse}`);

  // Or per call, which wins over the provider.
  const second = await thread.run('Say something else.', {
    trace: { traceparent: '00-0f1e2d3c4b5a69788796a5b4c3d2e1f0-8877665544332211-01', tracestate: 'example=1' },
  });
  console.log(`2. with a per-call trace: ${second.finalResponse}`);
  if (model) console.log(`   the model request carried traceparent ${model.requests.at(-1)?.header('traceparent')}`);
} // closing the server flushes its span exporter

// The exporter posts in the background; give the last batch a moment to arrive.
for (let i = 0; i < 100 && !['a1b2c3d4e5f60718293a4b5c6d7e8f90', '0f1e2d3c4b5a69788796a5b4c3d2e1f0'].every((id) => spans.some((s) => s.traceId === id && s.name === 'turn/start')); i++) {
  await new Promise((resolve) => setTimeout(resolve, 50));
}
for (const [label, traceId, parent] of [
  ['app span', 'a1b2c3d4e5f60718293a4b5c6d7e8f90', '1122334455667788'],
  ['per-call', '0f1e2d3c4b5a69788796a5b4c3d2e1f0', '8877665544332211'],
] as const) {
  const mine = spans.filter((s) => s.traceId === traceId);
  const turnStart = mine.find((s) => s.name === 'turn/start');
  console.log(`\n${label} trace ${traceId}: ${mine.length > 1 ? 'many' : mine.length} server span(s)`);
  console.log(`  turn/start span's parent is the client's span: ${turnStart?.parentSpanId === parent}`);
}
context.disable();
collector.close();
