import { SseParser, type SseItem } from './sse-parser';

function events(items: SseItem[]) {
  return items.flatMap((item) => (item.kind === 'event' ? [item.event] : []));
}

/** Feeds the text in every possible two-way split and checks the result never changes. */
function parseAllSplits(text: string): SseItem[][] {
  const results: SseItem[][] = [];
  for (let i = 0; i <= text.length; i++) {
    const parser = new SseParser();
    results.push([...parser.push(text.slice(0, i)), ...parser.push(text.slice(i))]);
  }
  return results;
}

describe('SseParser', () => {
  it('parses the reference framing: one line per event, data lines joined with \\n', () => {
    const parser = new SseParser();
    const items = parser.push('event: stdout\ndata: hello\ndata: \n\n');
    expect(events(items)).toEqual([{ event: 'stdout', data: 'hello\n', id: '', hasId: false }]);
  });

  it('keeps ids, and the last id persists across events', () => {
    const parser = new SseParser();
    const items = parser.push(
      'id: 1\nevent: stdout\ndata: a\n\nevent: stderr\ndata: b\n\nid: 7\nevent: stdout\ndata: c\n\n',
    );
    expect(events(items).map((e) => [e.event, e.data, e.id, e.hasId])).toEqual([
      ['stdout', 'a', '1', true],
      ['stderr', 'b', '1', false],
      ['stdout', 'c', '7', true],
    ]);
    expect(parser.lastId).toBe('7');
  });

  it('reports comments (heartbeats) without dispatching an event', () => {
    const parser = new SseParser();
    const items = parser.push(': ping\n\n:no-space\n\n');
    expect(items).toEqual([
      { kind: 'comment', text: 'ping' },
      { kind: 'comment', text: 'no-space' },
    ]);
  });

  it('defaults the event name to message and ignores events without data', () => {
    const parser = new SseParser();
    const items = parser.push('event: lonely\n\ndata: x\n\n');
    expect(events(items)).toEqual([{ event: 'message', data: 'x', id: '', hasId: false }]);
  });

  it('handles CRLF and lone CR line endings', () => {
    const parser = new SseParser();
    const items = parser.push('event: stdout\r\ndata: one\r\n\r\nevent: stderr\rdata: two\r\r');
    expect(events(items).map((e) => [e.event, e.data])).toEqual([
      ['stdout', 'one'],
      ['stderr', 'two'],
    ]);
  });

  it('joins a CRLF pair split across chunks into one line ending', () => {
    const parser = new SseParser();
    const first = parser.push('data: a\r');
    const second = parser.push('\n\r');
    const third = parser.push('\n');
    expect(events([...first, ...second, ...third])).toEqual([
      { event: 'message', data: 'a', id: '', hasId: false },
    ]);
  });

  it('gives the same events whatever the chunk boundaries', () => {
    const text =
      '\uFEFFid: 3\r\nevent: stdout\r\ndata: first line\r\ndata: \r\n\r\n: ping\n\n' +
      'id: 4\nevent: done\ndata: {"success": true, "return_code": 0}\n\n';
    const expected = [
      { event: 'stdout', data: 'first line\n', id: '3', hasId: true },
      { event: 'done', data: '{"success": true, "return_code": 0}', id: '4', hasId: true },
    ];
    for (const items of parseAllSplits(text)) {
      expect(events(items)).toEqual(expected);
      expect(items.filter((i) => i.kind === 'comment')).toHaveLength(1);
    }
  });

  it('parses byte-by-byte feeding', () => {
    const parser = new SseParser();
    const text = 'event: stdout\ndata: x\ndata: y\n\n';
    const items = [...text].flatMap((ch) => parser.push(ch));
    expect(events(items)).toEqual([{ event: 'stdout', data: 'x\ny', id: '', hasId: false }]);
  });

  it('strips exactly one space after the colon and accepts fields without a colon', () => {
    const parser = new SseParser();
    const items = parser.push('data:  two spaces\ndata\ndata:none\n\n');
    expect(events(items)[0]?.data).toBe(' two spaces\n\nnone');
  });

  it('ignores ids containing NUL, unknown fields, and reads retry', () => {
    const parser = new SseParser();
    parser.push('id: 5\n\nid: bad\0id\nfoo: bar\nretry: 2500\nretry: x\ndata: z\n\n');
    expect(parser.lastId).toBe('5');
    expect(parser.retryMs).toBe(2500);
  });

  it('keeps an empty id as a reset of the last id', () => {
    const parser = new SseParser();
    const items = parser.push('id: 9\ndata: a\n\nid\ndata: b\n\n');
    expect(events(items).map((e) => e.id)).toEqual(['9', '']);
  });

  it('drops an unterminated event at the end of the stream', () => {
    const parser = new SseParser();
    expect(events(parser.push('data: complete\n\ndata: partial'))).toHaveLength(1);
    expect(parser.end()).toEqual([]);
    // After end() the parser starts clean, keeping the last id.
    expect(events(parser.push('data: next\n\n'))).toEqual([
      { event: 'message', data: 'next', id: '', hasId: false },
    ]);
  });

  it('ignores empty chunks without losing a pending CR', () => {
    const parser = new SseParser();
    const items = [...parser.push('data: a\r'), ...parser.push(''), ...parser.push('\n\n')];
    expect(events(items)).toEqual([{ event: 'message', data: 'a', id: '', hasId: false }]);
  });
});
