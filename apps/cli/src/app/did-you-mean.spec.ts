import { closestName, editDistance } from './did-you-mean';

describe('closestName', () => {
  const names = ['SimpleRunbook.md', 'LongRunningRunbook.md', 'DatabaseFailover.md'];

  it('suggests the runbook a typo was meant to name', () => {
    expect(closestName('SimpelRunbook.md', names)).toBe('SimpleRunbook.md');
    expect(closestName('simplerunbook.md', names)).toBe('SimpleRunbook.md');
    expect(closestName('LongRuningRunbok.md', names)).toBe('LongRunningRunbook.md');
  });

  it('suggests nothing for a name that is not close to any', () => {
    expect(closestName('Deploy.md', names)).toBeNull();
    expect(closestName('x', [])).toBeNull();
  });

  it('counts edits, a swap of neighbours as one', () => {
    expect(editDistance('abc', 'abc')).toBe(0);
    expect(editDistance('abc', 'acb')).toBe(1);
    expect(editDistance('', 'ab')).toBe(2);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });
});
