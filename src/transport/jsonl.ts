import { StringDecoder } from 'node:string_decoder';

/** How many characters of a bad line are kept in the error that reports it. */
export const LINE_START_CHARS = 200;

/**
 * The first `LINE_START_CHARS` characters of a value as JSON, for an error that quotes it. Never
 * throws: JSON.parse accepts nesting deeper than JSON.stringify can recurse (a RangeError), and
 * what the server sends must not be able to throw out of the code that reports it. `clean` (the
 * redaction) runs before the cut, so no secret is cut in two and half of it kept.
 */
export function jsonStart(value: unknown, clean: (text: string) => string = (text) => text): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    return '(JSON nested too deeply to quote)';
  }
  return clean(text).slice(0, LINE_START_CHARS);
}

export interface LineSplitterEvents {
  /** A complete line, without its trailing newline (and without a trailing `\r`). */
  onLine(line: string): void;
  /** A line longer than the limit was skipped; `start` holds its first characters. */
  onOversized(start: string, length: number): void;
}

/**
 * Splits a byte stream into lines. UTF-8 sequences split across chunks are joined; invalid bytes
 * become U+FFFD. A line longer than `maxLineLength` characters is skipped whole and reported
 * once, and the lines after it are read as usual.
 */
export class LineSplitter {
  readonly #decoder = new StringDecoder('utf8');
  readonly #maxLineLength: number;
  readonly #events: LineSplitterEvents;
  #partial = '';
  /** Set while skipping the rest of an oversized line: its start, its length so far, and whether that ends in `\r`. */
  #skipping: { start: string; length: number; cr: boolean } | undefined;

  constructor(maxLineLength: number, events: LineSplitterEvents) {
    this.#maxLineLength = maxLineLength;
    this.#events = events;
  }

  push(chunk: Buffer): void {
    this.#consume(this.#decoder.write(chunk));
  }

  /** Flushes a final line that had no trailing newline. */
  end(): void {
    this.#consume(this.#decoder.end());
    if (this.#skipping !== undefined) {
      this.#finishSkipping(0, this.#skipping.cr);
    } else if (this.#partial.length > 0) {
      const line = this.#partial;
      this.#partial = '';
      this.#emit(line);
    }
  }

  #consume(text: string): void {
    let from = 0;
    let newline = text.indexOf('\n');
    while (newline !== -1) {
      if (this.#skipping !== undefined) {
        this.#finishSkipping(newline - from, newline > from ? text.charCodeAt(newline - 1) === 13 : this.#skipping.cr);
      } else if (this.#partial.length === 0) {
        this.#emit(text.slice(from, newline));
      } else {
        const line = this.#partial + text.slice(from, newline);
        this.#partial = '';
        this.#emit(line);
      }
      from = newline + 1;
      newline = text.indexOf('\n', from);
    }
    if (from < text.length) this.#keep(text.slice(from));
  }

  /** Holds the unterminated tail of a chunk, or starts skipping it once it is too long. */
  #keep(rest: string): void {
    if (this.#skipping !== undefined) {
      this.#skipping.length += rest.length;
      this.#skipping.cr = rest.charCodeAt(rest.length - 1) === 13;
      return;
    }
    this.#partial += rest;
    // One character of slack: a trailing `\r` is not part of the line, and may still be followed
    // by its `\n`. Without it, where the stream was cut would decide whether a line is too long.
    if (this.#partial.length > this.#maxLineLength + 1) {
      const partial = this.#partial;
      this.#skipping = { start: partial.slice(0, LINE_START_CHARS), length: partial.length, cr: partial.charCodeAt(partial.length - 1) === 13 };
      this.#partial = '';
    }
  }

  /** Reports the skipped line; its length, like that of any line, does not count a trailing `\r`. */
  #finishSkipping(extraLength: number, endsWithCr: boolean): void {
    const skipped = this.#skipping!;
    this.#skipping = undefined;
    this.#events.onOversized(skipped.start, skipped.length + extraLength - (endsWithCr ? 1 : 0));
  }

  #emit(line: string): void {
    const end = line.length > 0 && line.charCodeAt(line.length - 1) === 13 ? line.length - 1 : line.length;
    if (end > this.#maxLineLength) {
      this.#events.onOversized(line.slice(0, LINE_START_CHARS), end);
      return;
    }
    // Empty lines carry nothing; some JSONL writers emit them between messages.
    if (end === 0) return;
    this.#events.onLine(end === line.length ? line : line.slice(0, end));
  }
}
