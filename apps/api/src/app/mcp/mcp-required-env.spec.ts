import { parseRunbook } from '@runbooks/runbook-format';

import { requiredEnvOf } from './mcp-required-env';

describe('requiredEnvOf', () => {
  it('reports typed declarations to agents: type, choices, secrecy, what they must give', () => {
    const { runbook } = parseRunbook(
      [
        '# Typed',
        '# Environment Requirements',
        '```yaml',
        'LEGACY: Plain text',
        'REPLICAS:',
        '  type: integer',
        '  enum: [1, 2, 3]',
        '  default: 2',
        'PASSWORD:',
        '  secret: true',
        'KEY:',
        '  from: file:key',
        '```',
      ].join('\n'),
    );
    expect(requiredEnvOf(runbook)).toEqual([
      {
        name: 'LEGACY',
        description: 'Plain text',
        type: 'string',
        enum: null,
        secret: false,
        required: true,
      },
      {
        name: 'REPLICAS',
        description: '',
        type: 'integer',
        enum: ['1', '2', '3'],
        secret: false,
        required: false,
      },
      {
        name: 'PASSWORD',
        description: '',
        type: 'string',
        enum: null,
        secret: true,
        required: true,
      },
      { name: 'KEY', description: '', type: 'string', enum: null, secret: true, required: false },
    ]);
  });
});
