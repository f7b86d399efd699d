import { createStyle } from './terminal-style';
import {
  durationBetween,
  formatDuration,
  formatTimestamp,
  renderTable,
  truncate,
} from './text-table';

const plain = createStyle(false);

describe('renderTable', () => {
  it('aligns columns by visible width, ignoring ANSI codes', () => {
    const color = createStyle(true);
    const text = renderTable(
      ['A', 'LONG HEADER'],
      [
        [color.red('x'), 'y'],
        ['wide cell', ''],
      ],
      plain,
    );
    expect(text).toBe('A          LONG HEADER\n\u001b[31mx\u001b[39m          y\nwide cell\n');
  });

  it('right-aligns numbers and cuts lines to the width', () => {
    expect(
      renderTable(
        ['N', 'T'],
        [
          ['5', 'abc'],
          ['123', 'defghijkl'],
        ],
        plain,
        { alignRight: [0], maxWidth: 9 },
      ),
    ).toBe('  N  T\n  5  abc\n123  def…\n');
    expect(renderTable(['X', 'CODE'], [['a', '1']], plain, { alignRight: [1] })).toBe(
      'X  CODE\na     1\n',
    );
  });

  it('makes the header bold when colour is on', () => {
    expect(renderTable(['H'], [], createStyle(true))).toBe('\u001b[1mH\u001b[22m\n');
  });
});

describe('formatting helpers', () => {
  it('formats timestamps', () => {
    expect(formatTimestamp('2026-11-22T08:30:01.123Z')).toBe('2026-11-22 08:30:01Z');
    expect(formatTimestamp('2026-11-22T08:30:01.588612+00:00')).toBe('2026-11-22 08:30:01Z');
    expect(formatTimestamp('2026-11-22T08:30:01+02:00')).toBe('2026-11-22 08:30:01+02:00');
    expect(formatTimestamp(null)).toBe('-');
    expect(formatTimestamp('yesterday')).toBe('yesterday');
  });

  it('formats durations', () => {
    expect(formatDuration(850)).toBe('850ms');
    expect(formatDuration(12_340)).toBe('12.3s');
    expect(formatDuration(245_000)).toBe('4m05s');
    expect(formatDuration(7_380_000)).toBe('2h03m');
    expect(formatDuration(-1)).toBe('-');
    expect(durationBetween('2026-01-01T00:00:00Z', '2026-01-01T00:00:02.500Z')).toBe('2.5s');
    expect(durationBetween(null, '2026-01-01T00:00:00Z')).toBe('-');
  });

  it('truncates with an ellipsis', () => {
    expect(truncate('hello', 10)).toBe('hello');
    expect(truncate('hello world', 6)).toBe('hello…');
  });
});
