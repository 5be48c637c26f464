import { describe, expect, it } from 'vitest';
import { Admission } from '../../src/rpc/admission.js';

describe('Admission', () => {
  it('grants up to the limit, then queues in order, and lets waiters leave the line', () => {
    const admission = new Admission(2);
    expect(admission.tryAcquire()).toBe(true);
    expect(admission.tryAcquire()).toBe(true);
    expect(admission.tryAcquire()).toBe(false);
    const granted: string[] = [];
    admission.enqueue(() => granted.push('a'));
    const leaveB = admission.enqueue(() => granted.push('b'));
    admission.enqueue(() => granted.push('c'));
    leaveB();
    admission.release();
    expect(granted).toEqual(['a']);
    admission.release();
    expect(granted).toEqual(['a', 'c']);
    expect(admission.active).toBe(2);
    expect(admission.waiting).toBe(0);
  });

  it('does not let a newcomer jump the queue', () => {
    const admission = new Admission(1);
    expect(admission.tryAcquire()).toBe(true);
    admission.enqueue(() => undefined);
    admission.release();
    expect(admission.tryAcquire()).toBe(false);
  });

  it('rejects a limit below one', () => {
    expect(() => new Admission(0)).toThrow(/maxInFlightRequests/);
  });
});
