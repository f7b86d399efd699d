import { LogBuffer } from './log-buffer';

describe('LogBuffer', () => {
  it('turns one-line events into lines and keeps the full text', () => {
    const log = new LogBuffer();
    log.append('stdout', 'Starting\n');
    log.append('stderr', 'warning: x\n');
    log.append('stdout', 'Done\n');
    expect(log.lines.map((l) => [l.n, l.stream, l.text])).toEqual([
      [1, 'stdout', 'Starting'],
      [2, 'stderr', 'warning: x'],
      [3, 'stdout', 'Done'],
    ]);
    expect(log.text).toBe('Starting\nwarning: x\nDone\n');
    expect(log.size).toBe(log.text.length);
  });

  it('continues a partial line of the same stream and closes it on newline', () => {
    const log = new LogBuffer();
    log.append('stdout', 'no newline');
    log.append('stdout', ' yet\nnext');
    log.append('stdout', '\n');
    log.append('stdout', '\n');
    expect(log.lines.map((l) => l.text)).toEqual(['no newline yet', 'next', '']);
  });

  it('does not glue a line of the other stream onto an open line', () => {
    const log = new LogBuffer();
    log.append('stdout', 'partial');
    log.append('stderr', 'error\n');
    log.append('stdout', 'more\n');
    expect(log.lines.map((l) => [l.stream, l.text])).toEqual([
      ['stdout', 'partial'],
      ['stderr', 'error'],
      ['stdout', 'more'],
    ]);
  });

  it('handles multi-line chunks and ignores empty ones', () => {
    const log = new LogBuffer();
    log.append('stdout', '');
    log.append('stdout', 'a\nb\nc\n');
    expect(log.lineCount).toBe(3);
  });

  it('keeps only the newest lines for display but everything for download', () => {
    const log = new LogBuffer(3);
    for (let i = 1; i <= 5; i++) log.append('stdout', `line ${i}\n`);
    expect(log.lines.map((l) => l.n)).toEqual([3, 4, 5]);
    expect(log.hiddenLineCount).toBe(2);
    expect(log.text.split('\n')).toHaveLength(6);
    log.clear();
    expect(log.lines).toHaveLength(0);
    expect(log.text).toBe('');
    expect(log.lineCount).toBe(0);
  });
});
