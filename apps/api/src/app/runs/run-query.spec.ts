import { AppError } from '../errors/app-error';
import { parseRunQuery, pickFields } from './run-query';

function errorOf(query: Record<string, unknown>): string {
  try {
    parseRunQuery(query);
  } catch (error) {
    if (error instanceof AppError) return `${error.code}: ${error.message}`;
    throw error;
  }
  throw new Error('no error');
}

describe('parseRunQuery', () => {
  it('defaults to 50 newest runs, no filter, all fields', () => {
    expect(parseRunQuery({})).toEqual({ filter: {}, limit: 50, cursor: null, fields: null });
  });

  it('reads every playbook-dispatcher style parameter', () => {
    expect(
      parseRunQuery({
        'filter[status]': 'failure, timeout',
        'filter[runbook]': 'A.md',
        'filter[requested_by]': 'alice',
        'filter[labels][env]': 'prod',
        'filter[labels][team]': ['a', 'b'],
        'filter[created_at][gte]': '2026-01-01T00:00:00Z',
        'filter[created_at][lt]': '2026-01-02',
        'fields[data]': 'id, status',
        limit: '10',
        cursor: 'abc',
      }),
    ).toEqual({
      filter: {
        status: ['failure', 'timeout'],
        runbook: 'A.md',
        requestedBy: 'alice',
        labels: { env: 'prod', team: 'a' },
        createdFrom: '2026-01-01T00:00:00.000Z',
        createdTo: '2026-01-02T00:00:00.000Z',
      },
      limit: 10,
      cursor: 'abc',
      fields: ['id', 'status'],
    });
  });

  it.each([
    [{ 'filter[status]': 'done' }, 'BAD_REQUEST: Unknown run status: done'],
    [{ limit: '0' }, 'BAD_REQUEST: limit must be an integer from 1 to 500'],
    [{ limit: '501' }, 'BAD_REQUEST: limit must be an integer from 1 to 500'],
    [{ limit: '1.5' }, 'BAD_REQUEST: limit must be an integer from 1 to 500'],
    [{ 'fields[data]': 'id,secret' }, 'BAD_REQUEST: Unknown field: secret'],
    [
      { 'filter[created_at][gte]': 'soon' },
      'BAD_REQUEST: filter[created_at][gte] must be an ISO-8601 time',
    ],
  ])('refuses %j', (query, message) => {
    expect(errorOf(query)).toBe(message);
  });
});

describe('pickFields', () => {
  it('keeps only the requested fields, in the requested order', () => {
    const run = { id: 'r', status: 'success', runbook: 'A.md' } as unknown as Parameters<
      typeof pickFields
    >[0];
    expect(pickFields(run, ['status', 'id'])).toEqual({ status: 'success', id: 'r' });
    expect(pickFields(run, null)).toBe(run);
  });
});
