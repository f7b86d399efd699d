import type { ValidateResponse } from '@runbooks/types';

import { startApi, stopAllServers, type ApiServer } from './support/api-server';
import { call } from './support/http-client';

const FENCE = '```';
const runbook = (environment: string, files: string) =>
  [
    '# Broken',
    'A runbook with a YAML block that cannot be read.',
    '',
    '# Environment Requirements',
    `${FENCE}yaml\n${environment}\n${FENCE}`,
    '',
    '# File System Requirements',
    `${FENCE}yaml\n${files}\n${FENCE}`,
    '',
    '# Script',
    `${FENCE}sh\necho hi\n${FENCE}`,
    '',
    '# History',
    '',
  ].join('\n');

describe('validation messages of unreadable YAML blocks', () => {
  let server: ApiServer;

  beforeAll(async () => {
    server = await startApi({
      samples: false,
      runbooks: {
        'Broken.md': runbook('TEST_VAR: [unclosed', 'Input: []'),
        'NotAMapping.md': runbook('TEST_VAR: needed', '- just a list'),
        'NoBlock.md': runbook('TEST_VAR: needed', 'Input: []').replace(
          `${FENCE}yaml\nTEST_VAR: needed\n${FENCE}`,
          'No YAML here.',
        ),
      },
    });
  });
  afterAll(stopAllServers);

  const validate = (file: string) =>
    call<ValidateResponse>(server, `/api/runbooks/${file}/validate`, {
      method: 'PATCH',
      token: server.token(),
      json: { env_vars: { TEST_VAR: 'x' } },
    });

  it('a YAML syntax error is reported as such, not as a missing YAML block', async () => {
    const response = await validate('Broken.md');
    expect(response.status).toBe(400);
    expect(response.body.errors).toHaveLength(1);
    expect(response.body.errors[0]).toMatch(/^Environment Requirements: invalid YAML: /);
  });

  it('a block that is not a mapping says so', async () => {
    const response = await validate('NotAMapping.md');
    expect(response.body.errors).toEqual([
      'File System Requirements: the YAML block must be a mapping of name: value',
    ]);
  });

  it('a section without a block keeps the reference message', async () => {
    const response = await validate('NoBlock.md');
    expect(response.body.errors).toEqual([
      'Environment Requirements section must contain a YAML code block',
    ]);
  });
});
