import { readSseEvents, SseParser, type SseEvent } from './sse-parser';

function parseAll(chunks: string[]): SseEvent[] {
  const parser = new SseParser();
  return chunks.flatMap((chunk) => parser.push(chunk));
}

describe('SseParser', () => {
  it('reassembles the reference framing of one output line (hello\\n)', () => {
    expect(parseAll(['event: stdout\ndata: hello\ndata: \n\n'])).toEqual([
      { event: 'stdout', data: 'hello\n', id: null },
    ]);
  });

  it('keeps ids, skips comment heartbeats and defaults the event name to message', () => {
    const parser = new SseParser();
    const events = parser.push(': ping\n\nid: 7\nevent: stderr\ndata: oops\n\ndata: plain\n\n');
    expect(events).toEqual([
      { event: 'stderr', data: 'oops', id: '7' },
      { event: 'message', data: 'plain', id: null },
    ]);
    expect(parser.lastEventId).toBe('7');
  });

  it('handles CRLF and CR line ends, also split between chunks', () => {
    expect(parseAll(['event: a\r', '\ndata: 1\r\r', 'event: b\rdata: 2\r\n\r\n'])).toEqual([
      { event: 'a', data: '1', id: null },
      { event: 'b', data: '2', id: null },
    ]);
  });

  it('handles fields split anywhere between chunks', () => {
    const text = 'id: 12\nevent: done\ndata: {"success": true,\ndata:  "return_code": 0}\n\n';
    for (let cut = 1; cut < text.length; cut++) {
      expect(parseAll([text.slice(0, cut), text.slice(cut)])).toEqual([
        { event: 'done', data: '{"success": true,\n "return_code": 0}', id: '12' },
      ]);
    }
  });

  it('does not dispatch events without data, and drops an unterminated last event', () => {
    const parser = new SseParser();
    expect(parser.push('event: x\n\nid: 3\n\ndata: half')).toEqual([]);
    expect(parser.lastEventId).toBe('3');
    expect(parser.end()).toEqual([]);
  });

  it('treats a data line without a colon as an empty value and strips one leading space only', () => {
    expect(parseAll(['data\ndata:  two spaces\n\n'])).toEqual([
      { event: 'message', data: '\n two spaces', id: null },
    ]);
  });

  it('ignores a leading BOM, retry fields and ids containing NUL', () => {
    const parser = new SseParser();
    expect(parser.push('\ufeffretry: 10\nid: a\u0000b\ndata: x\n\n')).toEqual([
      { event: 'message', data: 'x', id: null },
    ]);
    expect(parser.lastEventId).toBeNull();
  });
});

describe('readSseEvents', () => {
  it('decodes UTF-8 split across byte chunks', async () => {
    const bytes = Buffer.from('event: stdout\ndata: héllo ✓\n\n', 'utf8');
    async function* chunks(): AsyncGenerator<Uint8Array> {
      for (let index = 0; index < bytes.length; index += 3) {
        yield await Promise.resolve(bytes.subarray(index, index + 3));
      }
    }
    const events: SseEvent[] = [];
    for await (const event of readSseEvents(chunks())) events.push(event);
    expect(events).toEqual([{ event: 'stdout', data: 'héllo ✓', id: null }]);
  });
});
