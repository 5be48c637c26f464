import { InvalidArgumentError } from '../errors.js';

/**
 * W3C trace context, sent as the top-level `trace` member of a request: the server's spans for
 * that request join this trace (when codex exports traces, `[otel] trace_exporter`).
 */
export interface TraceContext {
  /** `00-<32 hex trace id>-<16 hex parent span id>-<2 hex flags>`. */
  readonly traceparent: string;
  /** Vendor-specific trace state (`vendor=value,...`). */
  readonly tracestate?: string | undefined;
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/**
 * The trace context to write, checked. codex drops a request whose `trace` it cannot
 * deserialize without any answer (the call would hang until its deadline), so a malformed one
 * is an `InvalidArgumentError` before anything is sent. `null` and `undefined` mean none.
 */
export function checkTrace(value: unknown, argument = 'trace'): TraceContext | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidArgumentError(argument, `must be an object with a W3C traceparent string, got ${Array.isArray(value) ? 'an array' : typeof value}`);
  }
  const { traceparent, tracestate } = value as { traceparent?: unknown; tracestate?: unknown };
  if (typeof traceparent !== 'string' || !isTraceparent(traceparent)) {
    throw new InvalidArgumentError(
      `${argument}.traceparent`,
      `must be a W3C traceparent ("00-<32 hex trace id>-<16 hex span id>-<2 hex flags>", ids not all zero), got ${typeof traceparent === 'string' ? JSON.stringify(traceparent.slice(0, 80)) : typeof traceparent}`,
    );
  }
  if (tracestate !== undefined && tracestate !== null && typeof tracestate !== 'string') {
    throw new InvalidArgumentError(`${argument}.tracestate`, `must be a string, got ${typeof tracestate}`);
  }
  return typeof tracestate === 'string' ? { traceparent, tracestate } : { traceparent };
}

function isTraceparent(text: string): boolean {
  const match = TRACEPARENT.exec(text);
  if (match === null) return false;
  const [, version, traceId, spanId, , rest] = match;
  if (version === 'ff' || /^0+$/.test(traceId!) || /^0+$/.test(spanId!)) return false;
  // Version 00 has exactly four fields; later versions may append more.
  return version !== '00' || rest === undefined;
}
