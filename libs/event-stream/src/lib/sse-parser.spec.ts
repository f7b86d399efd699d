import { SseParser, type SseEvent, type SseItem } from './sse-parser';

function events(items: SseItem[]): SseEvent[] {
  return items.flatMap((item) => (item.kind === 'event' ? [item.event] : []));
}

function parseAll(chunks: string[]): SseEvent[] {
  const parser = new SseParser();
  return events(chunks.flatMap((chunk) => parser.push(chunk)));
}

/** Feeds the text in every possible two-way split and returns the items of each run. */
function parseAllSplits(text: string): SseItem[][] {
  const results: SseItem[][] = [];
  for (let i = 0; i <= text.length; i++) {
    const parser = new SseParser();
    results.push([...parser.push(text.slice(0, i)), ...parser.push(text.slice(i))]);
  }
  return results;
}

describe('SseParser', () => {
  describe('framing', () => {
    it('parses the reference framing: one line per event, data lines joined with \\n', () => {
      const parser = new SseParser();
      const items = parser.push('event: stdout\ndata: hello\ndata: \n\n');
      expect(events(items)).toEqual([{ event: 'stdout', data: 'hello\n', id: '', hasId: false }]);
    });

    it('defaults the event name to message and ignores events without data', () => {
      const parser = new SseParser();
      const items = parser.push('event: lonely\n\ndata: x\n\n');
      expect(events(items)).toEqual([{ event: 'message', data: 'x', id: '', hasId: false }]);
    });

    it('strips exactly one space after the colon and accepts fields without a colon', () => {
      const parser = new SseParser();
      const items = parser.push('data:  two spaces\ndata\ndata:none\n\n');
      expect(events(items)[0]?.data).toBe(' two spaces\n\nnone');
    });

    it('treats a data line without a colon as an empty value and strips one leading space only', () => {
      expect(parseAll(['data\ndata:  two spaces\n\n'])).toEqual([
        { event: 'message', data: '\n two spaces', id: '', hasId: false },
      ]);
    });

    it('ignores unknown fields', () => {
      expect(parseAll(['foo: bar\n: c\ndata: z\nevent\n\n'])).toEqual([
        { event: 'message', data: 'z', id: '', hasId: false },
      ]);
    });
  });

  describe('ids', () => {
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
      expect(parser.lastEventId).toBe('7');
    });

    it('keeps ids, skips comment heartbeats and defaults the event name to message', () => {
      const parser = new SseParser();
      const items = parser.push(': ping\n\nid: 7\nevent: stderr\ndata: oops\n\ndata: plain\n\n');
      expect(events(items)).toEqual([
        { event: 'stderr', data: 'oops', id: '7', hasId: true },
        // No id line of its own: it inherits the last id (EventSource semantics).
        { event: 'message', data: 'plain', id: '7', hasId: false },
      ]);
      expect(items[0]).toEqual({ kind: 'comment', text: 'ping' });
      expect(parser.lastEventId).toBe('7');
    });

    it('ignores ids containing NUL, unknown fields, and reads retry', () => {
      const parser = new SseParser();
      parser.push('id: 5\n\nid: bad\0id\nfoo: bar\nretry: 2500\nretry: x\ndata: z\n\n');
      expect(parser.lastEventId).toBe('5');
      expect(parser.retryMs).toBe(2500);
    });

    it('ignores a leading BOM and ids containing NUL; retry is read, not dispatched', () => {
      const parser = new SseParser();
      expect(events(parser.push('\ufeffretry: 10\nid: a\u0000b\ndata: x\n\n'))).toEqual([
        { event: 'message', data: 'x', id: '', hasId: false },
      ]);
      expect(parser.lastEventId).toBe('');
      expect(parser.retryMs).toBe(10);
    });

    it('has no retry value until the server sends one', () => {
      expect(new SseParser().retryMs).toBeNull();
    });

    it('keeps an empty id as a reset of the last id', () => {
      const parser = new SseParser();
      const items = parser.push('id: 9\ndata: a\n\nid\ndata: b\n\n');
      expect(events(items).map((e) => e.id)).toEqual(['9', '']);
      expect(parser.lastEventId).toBe('');
    });

    it('updates the last id from an id line even when the event has no data', () => {
      const parser = new SseParser();
      expect(parser.push('event: x\n\nid: 3\n\n')).toEqual([]);
      expect(parser.lastEventId).toBe('3');
    });

    it('starts from a known resume point (the Last-Event-ID of a reconnect)', () => {
      const parser = new SseParser({ lastEventId: '41' });
      expect(parser.lastEventId).toBe('41');
      expect(events(parser.push('data: a\n\nid: 42\ndata: b\n\n'))).toEqual([
        { event: 'message', data: 'a', id: '41', hasId: false },
        { event: 'message', data: 'b', id: '42', hasId: true },
      ]);
      expect(parser.lastEventId).toBe('42');
    });
  });

  describe('comments', () => {
    it('reports comments (heartbeats) without dispatching an event', () => {
      const parser = new SseParser();
      const items = parser.push(': ping\n\n:no-space\n\n');
      expect(items).toEqual([
        { kind: 'comment', text: 'ping' },
        { kind: 'comment', text: 'no-space' },
      ]);
    });

    it('strips only one space of a comment and reports it between the lines of an event', () => {
      expect(new SseParser().push('data: a\n:  two\n:\ndata: b\n\n')).toEqual([
        { kind: 'comment', text: ' two' },
        { kind: 'comment', text: '' },
        { kind: 'event', event: { event: 'message', data: 'a\nb', id: '', hasId: false } },
      ]);
    });
  });

  describe('line ends and chunking', () => {
    it('handles CRLF and lone CR line endings', () => {
      const parser = new SseParser();
      const items = parser.push('event: stdout\r\ndata: one\r\n\r\nevent: stderr\rdata: two\r\r');
      expect(events(items).map((e) => [e.event, e.data])).toEqual([
        ['stdout', 'one'],
        ['stderr', 'two'],
      ]);
    });

    it('handles CRLF and CR line ends, also split between chunks', () => {
      expect(parseAll(['event: a\r', '\ndata: 1\r\r', 'event: b\rdata: 2\r\n\r\n'])).toEqual([
        { event: 'a', data: '1', id: '', hasId: false },
        { event: 'b', data: '2', id: '', hasId: false },
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

    it('treats a CR at the end of a chunk as a line end when the next chunk does not start with LF', () => {
      expect(parseAll(['data: a\r', 'data: b\r', '\r'])).toEqual([
        { event: 'message', data: 'a\nb', id: '', hasId: false },
      ]);
    });

    it('ignores empty chunks without losing a pending CR', () => {
      const parser = new SseParser();
      const items = [...parser.push('data: a\r'), ...parser.push(''), ...parser.push('\n\n')];
      expect(events(items)).toEqual([{ event: 'message', data: 'a', id: '', hasId: false }]);
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

    it('handles fields split anywhere between chunks', () => {
      const text = 'id: 12\nevent: done\ndata: {"success": true,\ndata:  "return_code": 0}\n\n';
      for (let cut = 1; cut < text.length; cut++) {
        expect(parseAll([text.slice(0, cut), text.slice(cut)])).toEqual([
          { event: 'done', data: '{"success": true,\n "return_code": 0}', id: '12', hasId: true },
        ]);
      }
    });

    it('parses byte-by-byte feeding', () => {
      const parser = new SseParser();
      const text = 'event: stdout\ndata: x\ndata: y\n\n';
      const items = [...text].flatMap((ch) => parser.push(ch));
      expect(events(items)).toEqual([{ event: 'stdout', data: 'x\ny', id: '', hasId: false }]);
    });

    it('strips a BOM only at the start of the stream', () => {
      const parser = new SseParser();
      expect(events([...parser.push('\ufeff'), ...parser.push('data: \ufeffx\n\n')])).toEqual([
        { event: 'message', data: '\ufeffx', id: '', hasId: false },
      ]);
      // A BOM that is not the first character is part of the field name: an unknown field.
      expect(parseAll(['data: a\n\n', '\ufeffdata: b\n\n'])).toHaveLength(1);
    });

    it('reassembles a long line that arrives in many chunks', () => {
      const line = 'x'.repeat(100_000);
      const text = `data: ${line}\r\n\r\n`;
      const parser = new SseParser();
      const items: SseItem[] = [];
      for (let i = 0; i < text.length; i += 997) items.push(...parser.push(text.slice(i, i + 997)));
      expect(events(items)).toEqual([{ event: 'message', data: line, id: '', hasId: false }]);
    });
  });

  describe('end of stream', () => {
    it('drops an unterminated event at the end of the stream', () => {
      const parser = new SseParser();
      expect(events(parser.push('data: complete\n\ndata: partial'))).toHaveLength(1);
      expect(parser.end()).toEqual([]);
      // After end() the parser starts clean, keeping the last id.
      expect(events(parser.push('data: next\n\n'))).toEqual([
        { event: 'message', data: 'next', id: '', hasId: false },
      ]);
    });

    it('does not dispatch events without data, and drops an unterminated last event', () => {
      const parser = new SseParser();
      expect(parser.push('event: x\n\nid: 3\n\ndata: half')).toEqual([]);
      expect(parser.lastEventId).toBe('3');
      expect(parser.end()).toEqual([]);
    });

    it('keeps the last id and accepts a new BOM after end()', () => {
      const parser = new SseParser();
      parser.push('id: 8\ndata: a\n\ndata: b\r');
      parser.end();
      expect(parser.push('\ufeffdata: c\n\n')).toEqual([
        { kind: 'event', event: { event: 'message', data: 'c', id: '8', hasId: false } },
      ]);
    });
  });
});
