import { createStyle, shouldColor, stripAnsi, visibleWidth } from './terminal-style';

describe('shouldColor', () => {
  const tty = { isTTY: true, write: () => true };
  const pipe = { write: () => true };
  it('colours terminals unless told otherwise', () => {
    expect(shouldColor(tty, {}, true)).toBe(true);
    expect(shouldColor(pipe, {}, true)).toBe(false);
    expect(shouldColor(tty, {}, false)).toBe(false);
    expect(shouldColor(tty, { NO_COLOR: '1' }, true)).toBe(false);
    expect(shouldColor(tty, { TERM: 'dumb' }, true)).toBe(false);
    expect(shouldColor(pipe, { FORCE_COLOR: '1' }, true)).toBe(true);
    expect(shouldColor(tty, { FORCE_COLOR: '0' }, true)).toBe(false);
  });
});

describe('createStyle', () => {
  it('wraps text in ANSI codes only when enabled', () => {
    const on = createStyle(true);
    const off = createStyle(false);
    for (const name of [
      'bold',
      'dim',
      'italic',
      'underline',
      'red',
      'green',
      'yellow',
      'cyan',
      'magenta',
    ] as const) {
      expect(off[name]('x')).toBe('x');
      expect(on[name]('x')).not.toBe('x');
      expect(stripAnsi(on[name]('x'))).toBe('x');
      expect(on[name]('')).toBe('');
    }
    expect(visibleWidth(on.bold('héllo'))).toBe(5);
  });
});
