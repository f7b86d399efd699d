import {
  decodeRunListQuery,
  encodeRunListQuery,
  parseLabelFilter,
  runListQueryString,
  type RunListQuery,
} from './run-list-query';

describe('runs query encoding', () => {
  const full: RunListQuery = {
    status: ['failure', 'timeout'],
    runbook: 'A.md',
    requestedBy: 'alice',
    labels: { env: 'prod', team: 'a b' },
    createdFrom: '2026-01-01T00:00:00.000Z',
    createdTo: '2026-01-02T00:00:00.000Z',
    fields: ['id', 'status'],
    limit: 10,
    cursor: 'abc',
  };

  it('encodes every part as the API reads it, in a stable order', () => {
    expect(encodeRunListQuery(full)).toEqual([
      ['filter[status]', 'failure,timeout'],
      ['filter[runbook]', 'A.md'],
      ['filter[requested_by]', 'alice'],
      ['filter[labels][env]', 'prod'],
      ['filter[labels][team]', 'a b'],
      ['filter[created_at][gte]', '2026-01-01T00:00:00.000Z'],
      ['filter[created_at][lt]', '2026-01-02T00:00:00.000Z'],
      ['fields[data]', 'id,status'],
      ['limit', '10'],
      ['cursor', 'abc'],
    ]);
    expect(encodeRunListQuery({ runbook: '', status: [] })).toEqual([]);
    expect(runListQueryString({})).toBe('');
    expect(runListQueryString({ labels: { 'a&b': 'x=y' }, limit: 5 })).toBe(
      '?filter%5Blabels%5D%5Ba%26b%5D=x%3Dy&limit=5',
    );
  });

  it('decodes what it encodes (round trip through a real query string)', () => {
    const params = Object.fromEntries(new URLSearchParams(runListQueryString(full)));
    expect(decodeRunListQuery(params)).toEqual({ ok: true, query: full });
  });

  it('defaults the limit, takes the first of repeated values and normalises times', () => {
    expect(decodeRunListQuery({})).toEqual({ ok: true, query: { limit: 50 } });
    expect(
      decodeRunListQuery({
        'filter[labels][team]': ['a', 'b'],
        'filter[created_at][lt]': '2026-01-02',
      }),
    ).toEqual({
      ok: true,
      query: { labels: { team: 'a' }, createdTo: '2026-01-02T00:00:00.000Z', limit: 50 },
    });
  });

  it('reports every problem instead of ignoring it', () => {
    expect(
      decodeRunListQuery({
        'filter[statuss]': 'running',
        'filter[status]': 'runing,success',
        'filter[created_at][gte]': 'soon',
        limit: '501',
      }),
    ).toEqual({
      ok: false,
      problems: [
        'Unknown filter: filter[statuss] (known: filter[status], filter[runbook], filter[requested_by], filter[created_at][gte], filter[created_at][lt], filter[labels][<key>])',
        'Unknown run status: runing',
        'filter[created_at][gte] must be an ISO-8601 time',
        'limit must be an integer from 1 to 500',
      ],
    });
  });

  it('reads a typed label filter only as key=value', () => {
    expect(parseLabelFilter(' team = ops=1 ')).toEqual({ ok: true, key: 'team', value: 'ops=1' });
    expect(parseLabelFilter('team=')).toEqual({ ok: true, key: 'team', value: '' });
    expect(parseLabelFilter('team')).toEqual({
      ok: false,
      problem: "label filter 'team' must be key=value",
    });
    expect(parseLabelFilter('=ops')).toMatchObject({ ok: false });
    expect(parseLabelFilter('a]b=1')).toMatchObject({ ok: false });
  });
});
