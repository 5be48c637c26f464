import { describe, expect, it } from 'vitest';
import { LineSplitter } from '../../src/transport/jsonl.js';

function split(chunks: Buffer[], max = 1_000) {
  const lines: string[] = [];
  const oversized: Array<{ start: string; length: number }> = [];
  const splitter = new LineSplitter(max, {
    onLine: (line) => lines.push(line),
    onOversized: (start, length) => oversized.push({ start, length }),
  });
  for (const chunk of chunks) splitter.push(chunk);
  splitter.end();
  return { lines, oversized };
}

describe('LineSplitter', () => {
  it('splits on newlines, joins lines split across chunks, and drops \\r and empty lines', () => {
    const { lines } = split([Buffer.from('{"a":1}\n{"b"'), Buffer.from(':2}\r\n\n{"c":3}')]);
    expect(lines).toEqual(['{"a":1}', '{"b":2}', '{"c":3}']);
  });

  it('joins a multi-byte UTF-8 character split between two chunks', () => {
    const bytes = Buffer.from('{"t":"é🙂"}\n');
    const { lines } = split([bytes.subarray(0, 8), bytes.subarray(8)]);
    expect(lines).toEqual(['{"t":"é🙂"}']);
  });

  it('turns invalid UTF-8 into U+FFFD instead of failing', () => {
    const { lines } = split([Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x0a])]);
    expect(lines).toEqual(['{\uFFFD\uFFFD}']);
  });

  it('skips an oversized line, reports its start once, and keeps reading after it', () => {
    const long = 'x'.repeat(5_000);
    const { lines, oversized } = split([Buffer.from(`{"ok":1}\n${long.slice(0, 2_000)}`), Buffer.from(`${long.slice(2_000)}\n{"ok":2}\n`)]);
    expect(lines).toEqual(['{"ok":1}', '{"ok":2}']);
    expect(oversized).toHaveLength(1);
    expect(oversized[0]!.length).toBe(5_000);
    expect(oversized[0]!.start).toBe('x'.repeat(200));
  });

  it('reports an oversized line that arrives in one chunk', () => {
    const { lines, oversized } = split([Buffer.from(`${'y'.repeat(50)}\n{}\n`)], 10);
    expect(lines).toEqual(['{}']);
    expect(oversized).toEqual([{ start: 'y'.repeat(50), length: 50 }]);
  });
});
