import { historyOutputText, NO_OUTPUT, outputTail } from './output-tail';

describe('outputTail', () => {
  it('keeps short output whole, with nothing cut', () => {
    expect(outputTail('hello\n', 64)).toEqual({ text: 'hello\n', cutBytes: 0 });
    expect(historyOutputText(outputTail('hello\n', 64), 'stdout', 'run-1')).toBe('hello\n');
  });

  it('keeps the end within the byte cap and counts the cut bytes (UTF-8)', () => {
    const output = `${'é'.repeat(100)}end`;
    const tail = outputTail(output, 11);
    expect(tail.text).toBe('éééé' + 'end');
    expect(tail.cutBytes).toBe(Buffer.byteLength(output) - 11);
  });

  it('says how much was cut and which run holds the whole output', () => {
    const text = historyOutputText(outputTail('x'.repeat(1000), 10), 'stderr', 'abc');
    expect(text).toBe(
      '[runbooks] 990 bytes of stderr cut: History keeps the last 10 bytes; the whole output is in run abc (GET /api/runs/abc/events)\nxxxxxxxxxx',
    );
  });

  it('with a cap of 0 keeps only the line, and without a run says so', () => {
    expect(historyOutputText(outputTail('abc', 0), 'stdout', null)).toBe(
      '[runbooks] 3 bytes of stdout cut: History keeps the last 0 bytes; the whole output was not recorded',
    );
    expect(historyOutputText(NO_OUTPUT, 'stdout', null)).toBe('');
  });
});
