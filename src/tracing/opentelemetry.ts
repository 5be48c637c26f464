import { CodexError } from '../errors.js';
import type { TraceContext } from '../rpc/trace.js';

/** The part of `@opentelemetry/api` used here. */
interface OpenTelemetryApi {
  readonly context: { active(): unknown };
  readonly trace: {
    getSpanContext(context: never): { traceId: string; spanId: string; traceFlags: number; traceState?: { serialize(): string } | undefined } | undefined;
    isSpanContextValid(spanContext: never): boolean;
  };
}

/**
 * A `trace` provider for `Codex.start()` that sends the active OpenTelemetry span's context
 * with every request, so the server's spans join the application's trace. Needs the optional
 * peer `@opentelemetry/api` (and a context manager, as any OpenTelemetry SDK registers); it is
 * loaded here, on first use, never at import.
 *
 * @example
 * await using codex = await Codex.start({ trace: await openTelemetryTrace() });
 */
export async function openTelemetryTrace(): Promise<() => TraceContext | undefined> {
  let api: OpenTelemetryApi;
  try {
    api = (await import('@opentelemetry/api')) as unknown as OpenTelemetryApi;
  } catch (error) {
    throw new CodexError('openTelemetryTrace() needs the package @opentelemetry/api: npm install @opentelemetry/api', { cause: error });
  }
  return () => {
    const span = api.trace.getSpanContext(api.context.active() as never);
    if (span === undefined || !api.trace.isSpanContextValid(span as never)) return undefined;
    const flags = (span.traceFlags & 0xff).toString(16).padStart(2, '0');
    const tracestate = span.traceState?.serialize();
    return {
      traceparent: `00-${span.traceId}-${span.spanId}-${flags}`,
      ...(tracestate ? { tracestate } : {}),
    };
  };
}
