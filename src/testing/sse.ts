/**
 * Server-sent events as the Responses API streams them: each event is an `event: <type>` line and
 * a `data: <json>` line whose JSON repeats the type, then a blank line.
 */

/**
 * One Responses API stream event. `type` names it (`response.output_text.delta`, …); the other
 * members are its payload. Codex reads the type from the JSON, so it must be there.
 */
export interface SseEvent {
  readonly type: string;
  readonly [member: string]: unknown;
}

/**
 * Frames one event: `event: <type>\ndata: <json>\n\n`. `JSON.stringify` never emits a raw line
 * break, so the data always fits on one `data:` line.
 *
 * @throws TypeError if the type holds a line break (it would split the frame).
 */
export function formatSseEvent(event: SseEvent): string {
  if (/[\r\n]/.test(event.type)) {
    throw new TypeError(`SSE event type must be one line: ${JSON.stringify(event.type)}`);
  }
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}
