import { LineSplitter } from './line-splitter';
import { parseRecursionStack, recursionRefusal } from '../http/recursion-stack';
import { formatSseEvent } from './sse-format';

describe('LineSplitter', () => {
  it('keeps newlines, holds partial lines across chunks and flushes them', () => {
    const splitter = new LineSplitter();
    expect(splitter.push('a\nb')).toEqual(['a\n']);
    expect(splitter.hasPartial).toBe(true);
    expect(splitter.push('c\n\nd')).toEqual(['bc\n', '\n']);
    expect(splitter.flush()).toEqual(['d']);
    expect(splitter.flush()).toEqual([]);
  });
});

describe('formatSseEvent', () => {
  it('frames a line with its newline as the reference does, with an id', () => {
    expect(formatSseEvent('stdout', 'hello\n', 3)).toBe(
      'event: stdout\nid: 3\ndata: hello\ndata: \n\n',
    );
    expect(formatSseEvent('stderr', 'no newline')).toBe('event: stderr\ndata: no newline\n\n');
  });
});

describe('recursion stack', () => {
  it('accepts only JSON arrays of strings', () => {
    expect(parseRecursionStack('["A.md","B.md"]')).toEqual(['A.md', 'B.md']);
    expect(parseRecursionStack('not json')).toEqual([]);
    expect(parseRecursionStack('[1]')).toEqual([]);
    expect(parseRecursionStack('{"a":1}')).toEqual([]);
    expect(parseRecursionStack(undefined)).toEqual([]);
  });

  it('refuses a runbook already in the chain (printed as JSON) and a full stack', () => {
    expect(recursionRefusal('B.md', ['A.md', 'B.md'], 50)).toBe(
      'Recursion detected: Runbook B.md already in execution chain: ["A.md","B.md"]',
    );
    expect(recursionRefusal('C.md', ['A.md', 'B.md'], 2)).toBe(
      'Recursion depth limit exceeded: 2 (max: 2)',
    );
    expect(recursionRefusal('C.md', [], 50)).toBeNull();
  });
});
