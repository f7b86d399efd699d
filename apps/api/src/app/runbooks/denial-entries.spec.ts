import { DenialEntryThrottle, summarizeDenial } from './denial-entries';

describe('summarizeDenial', () => {
  it('keeps a short message as one line', () => {
    expect(summarizeDenial('RBAC Failure:\n denied  x')).toBe('RBAC Failure: denied x');
  });

  it('cuts a long one to 200 characters', () => {
    const summary = summarizeDenial(`roles=${'x'.repeat(5000)}`);
    expect(summary).toHaveLength(200);
    expect(summary.endsWith('…')).toBe(true);
  });
});

describe('DenialEntryThrottle', () => {
  it('writes the first denial per caller and runbook per window', () => {
    const throttle = new DenialEntryThrottle(1000);
    expect(throttle.shouldWrite('u', 'A.md', 0)).toBe(true);
    expect(throttle.shouldWrite('u', 'A.md', 999)).toBe(false);
    expect(throttle.shouldWrite('u', 'B.md', 999)).toBe(true);
    expect(throttle.shouldWrite('v', 'A.md', 999)).toBe(true);
    expect(throttle.shouldWrite('u', 'A.md', 1000)).toBe(true);
  });

  it('stays bounded, forgetting the oldest callers first', () => {
    const throttle = new DenialEntryThrottle(1000, 2);
    expect(throttle.shouldWrite('a', 'R.md', 0)).toBe(true);
    expect(throttle.shouldWrite('b', 'R.md', 1)).toBe(true);
    expect(throttle.shouldWrite('c', 'R.md', 2)).toBe(true);
    expect(throttle.shouldWrite('a', 'R.md', 3)).toBe(true);
    expect(throttle.shouldWrite('c', 'R.md', 4)).toBe(false);
  });
});
