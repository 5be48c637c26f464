/**
 * Finds, in one pass over a text, every stretch that is a piece of one of a set of strings:
 * a suffix automaton of the strings, walked with the text (matching statistics). Building costs
 * time linear in the strings' total length, matching time linear in the text's, whatever the
 * strings' lengths: a multi-kilobyte secret (an SSH key in the environment) costs no more per
 * character of text than a short one. (Trying every prefix and suffix of each secret against
 * the text, as before, cost its length times the text's.)
 */
export class SubstringMatcher {
  readonly #next: Map<number, number>[] = [];
  readonly #link: number[] = [];
  readonly #len: number[] = [];

  constructor(strings: Iterable<string>) {
    this.#state(0, -1);
    for (const text of strings) {
      let last = 0;
      for (let i = 0; i < text.length; i++) last = this.#extend(last, text.charCodeAt(i));
    }
  }

  /**
   * `[start, end)` ranges of `text`, merged and in order, covered by pieces at least `minLength`
   * long of any of the strings. `stats.steps` counts the automaton moves (at most twice the
   * text's length: each character moves forward once, and back at most as far as it went forward).
   */
  ranges(text: string, minLength: number, stats?: { steps: number }): Array<[number, number]> {
    const next = this.#next;
    const link = this.#link;
    const len = this.#len;
    const out: Array<[number, number]> = [];
    let state = 0;
    let length = 0;
    let steps = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      steps++;
      while (state !== 0 && !next[state]!.has(c)) {
        state = link[state]!;
        length = len[state]!;
        steps++;
      }
      const to = next[state]!.get(c);
      if (to === undefined) {
        length = 0;
        continue;
      }
      state = to;
      length++;
      if (length < minLength) continue;
      // The start of the longest match never moves back, so ranges arrive in order.
      const start = i - length + 1;
      const last = out[out.length - 1];
      if (last !== undefined && start <= last[1]) last[1] = i + 1;
      else out.push([start, i + 1]);
    }
    if (stats !== undefined) stats.steps += steps;
    return out;
  }

  /** How many states the automaton has: at most twice the strings' total length. */
  get size(): number {
    return this.#len.length;
  }

  #state(length: number, link: number, next: Map<number, number> = new Map()): number {
    this.#next.push(next);
    this.#link.push(link);
    this.#len.push(length);
    return this.#len.length - 1;
  }

  /** Adds character `c` after state `last` (a generalized suffix automaton: one string after another). */
  #extend(last: number, c: number): number {
    const next = this.#next;
    const link = this.#link;
    const len = this.#len;
    const existing = next[last]!.get(c);
    if (existing !== undefined) {
      // The piece is already known from an earlier string.
      if (len[last]! + 1 === len[existing]) return existing;
      const clone = this.#state(len[last]! + 1, link[existing]!, new Map(next[existing]));
      for (let p = last; p !== -1 && next[p]!.get(c) === existing; p = link[p]!) next[p]!.set(c, clone);
      link[existing] = clone;
      return clone;
    }
    const current = this.#state(len[last]! + 1, 0);
    let p = last;
    while (p !== -1 && !next[p]!.has(c)) {
      next[p]!.set(c, current);
      p = link[p]!;
    }
    if (p === -1) return current;
    const q = next[p]!.get(c)!;
    if (len[p]! + 1 === len[q]) {
      link[current] = q;
      return current;
    }
    const clone = this.#state(len[p]! + 1, link[q]!, new Map(next[q]));
    for (; p !== -1 && next[p]!.get(c) === q; p = link[p]!) next[p]!.set(c, clone);
    link[q] = clone;
    link[current] = clone;
    return current;
  }
}
