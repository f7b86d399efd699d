import { SCRIPT_TRAILING_CONTENT_MESSAGE } from '@runbooks/runbook-format';
import type { ExecuteResult } from '@runbooks/types';

import { startApi, stopAllServers, type ApiServer } from './support/api-server';
import { call } from './support/http-client';

/**
 * A script that says it started, writes a README holding a code block with a heredoc and prints
 * it. In a three-backtick fence the heredoc's bare ``` line closes the fence: the rest is text.
 */
function heredocRunbook(name: string, fence: string): string {
  return [
    `# ${name}`,
    'Writes a README that contains a code block.',
    '',
    '# Environment Requirements',
    '```yaml',
    '{}',
    '```',
    '',
    '# File System Requirements',
    '```yaml',
    'Input: []',
    '```',
    '',
    '# Script',
    `${fence}sh`,
    'print -r -- first-half',
    "cat <<'DOC' > README.md",
    '```sh',
    'make test',
    '```',
    'DOC',
    'cat README.md',
    'print -r -- done',
    fence,
    '',
    '# History',
    '',
  ].join('\n');
}

describe('a script fence closed early by a heredoc', () => {
  let server: ApiServer;
  let token: string;

  beforeAll(async () => {
    server = await startApi({
      samples: false,
      runbooks: {
        'CutShort.md': heredocRunbook('CutShort', '```'),
        'Fenced.md': heredocRunbook('Fenced', '````'),
      },
    });
    token = server.token({ roles: ['sre'] });
  });
  afterAll(stopAllServers);

  it('is refused by validate with the message that explains the fix', async () => {
    const response = await call(server, '/api/runbooks/CutShort.md/validate', {
      method: 'PATCH',
      token,
      json: {},
    });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ success: false, runbook: 'CutShort.md' });
    expect(response.body['errors']).toContain(SCRIPT_TRAILING_CONTENT_MESSAGE);
    expect(SCRIPT_TRAILING_CONTENT_MESSAGE).toContain('````sh');
  });

  it('is never run, not even its first half', async () => {
    const response = await call<ExecuteResult>(server, '/api/runbooks/CutShort.md/execute', {
      method: 'POST',
      token,
      json: {},
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ success: false, return_code: 1 });
    expect(response.body.errors).toContain(SCRIPT_TRAILING_CONTENT_MESSAGE);
    expect(response.body.stdout).not.toContain('first-half');
  });

  it('runs whole in a four-backtick fence, heredoc included', async () => {
    const response = await call<ExecuteResult>(server, '/api/runbooks/Fenced.md/execute', {
      method: 'POST',
      token,
      json: {},
    });
    expect(response.body).toMatchObject({ success: true, return_code: 0 });
    expect(response.body.stdout).toBe('first-half\n```sh\nmake test\n```\ndone\n');
  });
});
