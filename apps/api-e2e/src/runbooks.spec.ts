import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { parseHistoryEntries } from '@runbooks/runbook-format';
import type {
  ErrorResponse,
  ExecuteResult,
  HistoryRecord,
  RunListResponse,
  RequiredEnvResponse,
  RunbookContentResponse,
  RunbookListResponse,
  ValidateResponse,
} from '@runbooks/types';

import { startApi, stopAllServers, type ApiServer } from './support/api-server';
import { call } from './support/http-client';
import { runbookText } from './support/runbook-text';
import { doneOf, parseSse } from './support/sse';
import { waitFor } from './support/wait-for';

// Reference §3.5 status matrix, row by row, plus the shapes of §3.2/§3.3 and §13.
describe('runbook endpoints and the status matrix', () => {
  let server: ApiServer;
  let sre: string;
  let viewer: string;

  beforeAll(async () => {
    server = await startApi({
      runbooks: {
        'Empty.md': '',
        'NoHeading.md': 'just text\n',
        'Fails.md': runbookText({ name: 'Fails', script: 'echo before; exit 3' }),
        'zeta.md': runbookText({ name: 'zeta', script: 'echo z' }),
      },
    });
    sre = server.token({ sub: 'alice', roles: ['sre', 'api'] });
    viewer = server.token({ sub: 'viewer1', roles: ['viewer'] });
  });
  afterAll(stopAllServers);

  const historyOf = (filename: string) =>
    parseHistoryEntries(readFileSync(join(server.dirs.runbooks, filename), 'utf8'));

  describe('no or invalid token → 401 on every protected endpoint', () => {
    const endpoints: [string, string][] = [
      ['GET', '/api/runbooks'],
      ['GET', '/api/runbooks/SimpleRunbook.md'],
      ['GET', '/api/runbooks/SimpleRunbook.md/required-env'],
      ['PATCH', '/api/runbooks/SimpleRunbook.md/validate'],
      ['POST', '/api/runbooks/SimpleRunbook.md/execute'],
      ['GET', '/api/config'],
      ['POST', '/api/shutdown'],
      ['GET', '/api/runs'],
    ];
    it.each(endpoints)('%s %s without a token', async (method, path) => {
      const response = await call<ErrorResponse>(server, path, { method });
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ error: 'Missing or invalid Authorization header' });
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    });

    it.each([
      ['Basic abc', 'Missing or invalid Authorization header'],
      ['bearer abc', 'Missing or invalid Authorization header'],
      ['Bearer invalid-token-here', 'Invalid token: Not enough segments'],
    ])('Authorization: %j → %s', async (header, message) => {
      const response = await call(server, '/api/runbooks', { headers: { Authorization: header } });
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ error: message });
    });
  });

  describe('GET /api/runbooks', () => {
    it('lists markdown runbooks with an H1, sorted by file name in code-point order', async () => {
      const response = await call<RunbookListResponse>(server, '/api/runbooks', { token: sre });
      expect(response.status).toBe(200);
      expect(response.body.success).toBe(true);
      const names = response.body.runbooks.map((r) => r.filename);
      expect(names).toContain('SimpleRunbook.md');
      expect(names).not.toContain('Empty.md');
      expect(names).not.toContain('NoHeading.md');
      expect(names).not.toContain('CreatePackage.dockerfile');
      expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      expect(names.indexOf('zeta.md')).toBe(names.length - 1);
      const simple = response.body.runbooks.find((r) => r.filename === 'SimpleRunbook.md');
      expect(simple).toMatchObject({
        filename: 'SimpleRunbook.md',
        name: 'SimpleRunbook',
        path: 'SimpleRunbook.md',
        can_execute: true,
      });
    });

    it('lists runbooks a caller may not run too, marked can_execute false', async () => {
      const response = await call<RunbookListResponse>(server, '/api/runbooks', {
        token: viewer,
      });
      expect(response.status).toBe(200);
      const simple = response.body.runbooks.find((r) => r.filename === 'SimpleRunbook.md');
      expect(simple?.can_execute).toBe(false);
    });
  });

  describe('the runbook cache', () => {
    it('sees files that are added, changed and removed on disk', async () => {
      const path = server.writeRunbook(
        'Fresh.md',
        runbookText({ name: 'Fresh', script: 'echo 1' }),
      );
      const listed = async () =>
        (
          await call<RunbookListResponse>(server, '/api/runbooks', { token: sre })
        ).body.runbooks.map((r) => r.filename);
      await waitFor(async () => (await listed()).includes('Fresh.md'), { what: 'the new file' });
      writeFileSync(path, runbookText({ name: 'Fresh', script: 'echo changed-on-disk' }));
      await waitFor(
        async () =>
          (
            await call<RunbookContentResponse>(server, '/api/runbooks/Fresh.md', { token: sre })
          ).body.content.includes('changed-on-disk'),
        { what: 'the changed content' },
      );
      const run = await call<ExecuteResult>(server, '/api/runbooks/Fresh.md/execute', {
        method: 'POST',
        token: sre,
      });
      expect(run.body.stdout).toBe('changed-on-disk\n');
      unlinkSync(path);
      await waitFor(async () => !(await listed()).includes('Fresh.md'), { what: 'the removal' });
      expect((await call(server, '/api/runbooks/Fresh.md', { token: sre })).status).toBe(404);
    });
  });

  describe('GET /api/runbooks/:filename', () => {
    it('returns the raw content and the H1 name', async () => {
      const response = await call<RunbookContentResponse>(
        server,
        '/api/runbooks/SimpleRunbook.md',
        { token: viewer },
      );
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        success: true,
        filename: 'SimpleRunbook.md',
        name: 'SimpleRunbook',
      });
      expect(response.body.content).toContain('TEST_VAR');
    });

    it('404s a missing file with the reference message', async () => {
      const response = await call(server, '/api/runbooks/NonExistentRunbook.md', { token: sre });
      expect(response.status).toBe(404);
      expect(response.body).toEqual({ error: 'Runbook not found: NonExistentRunbook.md' });
    });

    it('serves an empty file with the file name as its name', async () => {
      const response = await call(server, '/api/runbooks/Empty.md', { token: sre });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        success: true,
        filename: 'Empty.md',
        name: 'Empty.md',
        content: '',
        history_output_hidden: false,
      });
    });

    it('does not serve files that are not markdown', async () => {
      const response = await call(server, '/api/runbooks/CreatePackage.dockerfile', {
        token: sre,
      });
      expect(response.status).toBe(404);
    });
  });

  describe('GET /api/runbooks/:filename/required-env', () => {
    // A legacy `NAME: description` entry reads as a required, non-secret string.
    const TEST_VAR_INFO = {
      name: 'TEST_VAR',
      description: 'Any text; the script prints it back',
      type: 'string',
      enum: null,
      pattern: null,
      minimum: null,
      maximum: null,
      default: null,
      required: true,
      secret: false,
      from: null,
    };

    it('lists required, available and missing variables in file order', async () => {
      const response = await call<RequiredEnvResponse>(
        server,
        '/api/runbooks/SimpleRunbook.md/required-env',
        { token: viewer },
      );
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        success: true,
        filename: 'SimpleRunbook.md',
        required: [TEST_VAR_INFO],
        available: [],
        missing: [TEST_VAR_INFO],
      });
    });

    it('404s a missing file and 500s an empty one (reference messages)', async () => {
      const missing = await call(server, '/api/runbooks/Nope.md/required-env', { token: sre });
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual({ error: 'Runbook not found: Nope.md' });
      const empty = await call(server, '/api/runbooks/Empty.md/required-env', { token: sre });
      expect(empty.status).toBe(500);
      expect(empty.body).toEqual({ error: 'Failed to load runbook' });
    });
  });

  describe('PATCH /api/runbooks/:filename/validate', () => {
    it('answers 200 for a valid runbook and 400 for an invalid one', async () => {
      const valid = await call<ValidateResponse>(
        server,
        '/api/runbooks/SimpleRunbook.md/validate',
        { method: 'PATCH', token: sre, json: { env_vars: { TEST_VAR: 'x' } } },
      );
      expect(valid.status).toBe(200);
      expect(valid.body).toEqual({
        success: true,
        runbook: 'SimpleRunbook.md',
        errors: [],
        warnings: [],
      });
      const invalid = await call<ValidateResponse>(
        server,
        '/api/runbooks/SimpleRunbook.md/validate',
        { method: 'PATCH', token: sre, json: {} },
      );
      expect(invalid.status).toBe(400);
      expect(invalid.body).toEqual({
        success: false,
        runbook: 'SimpleRunbook.md',
        errors: ['Required environment variable not set: TEST_VAR'],
        warnings: [],
      });
    });

    it('accepts the seed README alias PATCH /api/runbooks/:filename', async () => {
      const response = await call(server, '/api/runbooks/SimpleRunbook.md', {
        method: 'PATCH',
        token: sre,
        json: { env_vars: { TEST_VAR: 'x' } },
      });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ success: true, runbook: 'SimpleRunbook.md' });
    });

    it('403s a caller without the required claims and records the denial in the history', async () => {
      const before = historyOf('ParentRunbook.md').length;
      const response = await call<ErrorResponse>(
        server,
        '/api/runbooks/ParentRunbook.md/validate',
        { method: 'PATCH', token: viewer, json: {} },
      );
      expect(response.status).toBe(403);
      expect(response.body.error).toMatch(/^RBAC check failed for validate\. /);
      expect(response.body).not.toHaveProperty('success');
      const history = historyOf('ParentRunbook.md');
      expect(history).toHaveLength(before + 1);
      expect(history.at(-1)).toMatchObject({ exitCode: 403 });
      expect(history.at(-1)?.error).toContain('viewer1');
    });

    it('404s a missing file, 500s an empty one and 400s malformed JSON', async () => {
      const missing = await call(server, '/api/runbooks/Nope.md/validate', {
        method: 'PATCH',
        token: sre,
      });
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual({ error: 'Runbook not found: Nope.md' });
      const empty = await call(server, '/api/runbooks/Empty.md/validate', {
        method: 'PATCH',
        token: sre,
      });
      expect(empty.status).toBe(500);
      expect(empty.body).toEqual({ error: 'Failed to validate runbook: Failed to load runbook' });
      const badJson = await call<ErrorResponse>(server, '/api/runbooks/SimpleRunbook.md/validate', {
        method: 'PATCH',
        token: sre,
        body: '{"env_vars": ',
        headers: { 'Content-Type': 'application/json' },
      });
      expect(badJson.status).toBe(400);
      expect(typeof badJson.body.error).toBe('string');
    });

    it('400s env_vars that is not an object', async () => {
      const response = await call(server, '/api/runbooks/SimpleRunbook.md/validate', {
        method: 'PATCH',
        token: sre,
        json: { env_vars: ['TEST_VAR'] },
      });
      expect(response.status).toBe(400);
    });
  });

  describe('POST /api/runbooks/:filename/execute (matrix rows)', () => {
    it('404s a missing file with success false', async () => {
      const response = await call(server, '/api/runbooks/Nope.md/execute', {
        method: 'POST',
        token: sre,
        headers: { Accept: 'text/event-stream' },
      });
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(response.body).toEqual({ error: 'Runbook not found: Nope.md', success: false });
    });

    it('403s a caller without the claims, with success false, and records the denial', async () => {
      const before = historyOf('SimpleRunbook.md').length;
      const response = await call<ErrorResponse>(server, '/api/runbooks/SimpleRunbook.md/execute', {
        method: 'POST',
        token: viewer,
        json: { env_vars: { TEST_VAR: 'x' } },
        headers: { Accept: 'text/event-stream' },
      });
      expect(response.status).toBe(403);
      expect(response.body.success).toBe(false);
      expect(response.body.error).toMatch(/^RBAC check failed for execute\. /);
      expect(historyOf('SimpleRunbook.md')).toHaveLength(before + 1);
      // The audit log and the run store record the denial too.
      const records = readFileSync(join(server.dirs.data, 'history.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as HistoryRecord);
      expect(records.at(-1)).toMatchObject({
        return_code: 403,
        operation: 'execute',
        stdout: '',
        breadcrumb: { by_user: 'viewer1', roles: ['viewer'], recursion_stack: null },
      });
      expect(records.at(-1)?.errors[0]).toMatch(/^RBAC Failure: Access denied for user viewer1\./);
      const runs = await call<RunListResponse>(
        server,
        '/api/runs?filter[status]=denied&filter[requested_by]=viewer1',
        { token: server.token({ roles: ['admin'] }) },
      );
      expect(runs.body.data[0]).toMatchObject({
        runbook: 'SimpleRunbook.md',
        status: 'denied',
        return_code: 403,
      });
    });

    it('answers an invalid runbook with 200 and a failed done event (SSE)', async () => {
      const response = await call(server, '/api/runbooks/SimpleRunbook.md/execute', {
        method: 'POST',
        token: sre,
        json: {},
        headers: { Accept: 'text/event-stream' },
      });
      expect(response.status).toBe(200);
      const stream = parseSse(response.text);
      expect(stream.events.map((e) => e.event)).toEqual(['stderr', 'done']);
      expect(doneOf(stream)).toMatchObject({
        success: false,
        runbook: 'SimpleRunbook.md',
        return_code: 1,
        stdout: '',
        stderr: 'Required environment variable not set: TEST_VAR',
        errors: ['Required environment variable not set: TEST_VAR'],
      });
    });

    it('answers a script that exits non-zero with 200 and success false (JSON)', async () => {
      const response = await call<ExecuteResult>(server, '/api/runbooks/Fails.md/execute', {
        method: 'POST',
        token: sre,
      });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        success: false,
        runbook: 'Fails.md',
        return_code: 3,
        stdout: 'before\n',
      });
    });

    it('500s an empty file with success false and the reference message', async () => {
      const response = await call(server, '/api/runbooks/Empty.md/execute', {
        method: 'POST',
        token: sre,
        headers: { Accept: 'text/event-stream' },
      });
      expect(response.status).toBe(500);
      expect(response.body).toEqual({
        error: 'Failed to execute runbook: Failed to load runbook',
        success: false,
      });
    });

    it('400s a malformed JSON body', async () => {
      const response = await call<ErrorResponse>(server, '/api/runbooks/SimpleRunbook.md/execute', {
        method: 'POST',
        token: sre,
        body: '{nope',
        headers: { 'Content-Type': 'application/json' },
      });
      expect(response.status).toBe(400);
      expect(typeof response.body.error).toBe('string');
    });
  });
});
