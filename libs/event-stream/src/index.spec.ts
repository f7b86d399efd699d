import * as eventStream from './index';

describe('@runbooks/event-stream public API', () => {
  it('exports exactly the parser, the reader, the follower and the runs query encoding', () => {
    expect(Object.keys(eventStream).sort()).toEqual([
      'FollowEventStreamError',
      'RUN_LIST_DEFAULT_LIMIT',
      'RUN_LIST_MAX_LIMIT',
      'RUN_LIST_PARAMS',
      'SseParser',
      'decodeRunListQuery',
      'encodeRunListQuery',
      'followEventStream',
      'labelFilterParam',
      'parseLabelFilter',
      'readEventStream',
      'runListQueryString',
    ]);
  });

  it('reads a body the way the web console and the CLI do: items, then the resume point', async () => {
    const parser = new eventStream.SseParser();
    const body = new Response(': ping\n\nid: 3\nevent: stdout\ndata: hi\n\n').body!;
    const kinds: string[] = [];
    for await (const item of eventStream.readEventStream(body, { parser })) kinds.push(item.kind);
    expect(kinds).toEqual(['comment', 'event']);
    expect(parser.lastEventId).toBe('3');
  });
});
