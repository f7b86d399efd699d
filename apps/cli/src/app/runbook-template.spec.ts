import { parseRunbook, validateRunbook } from '@runbooks/runbook-format';
import { isCliError } from './cli-error';
import { parseTemplateVariables, renderRunbookTemplate, runbookNameFrom } from './runbook-template';

describe('renderRunbookTemplate', () => {
  it('validates once its variables are set, with no warnings', () => {
    const text = renderRunbookTemplate({ name: 'RotateLogs' });
    const { runbook, diagnostics } = parseRunbook(text, { filename: 'RotateLogs.md' });
    expect(diagnostics).toEqual([]);
    expect(validateRunbook(runbook, { env: {} }).errors).toEqual([
      'Required environment variable not set: TARGET',
    ]);
    expect(validateRunbook(runbook, { env: { TARGET: 'web-1' } })).toMatchObject({
      valid: true,
      warnings: [],
    });
    expect(runbook.requiredClaims).toEqual({ roles: ['sre'] });
  });

  it('declares the given variables (descriptions with colons stay valid YAML) and roles', () => {
    const text = renderRunbookTemplate({
      name: 'Check-Dns',
      description: 'Checks DNS.',
      variables: parseTemplateVariables(['DOMAIN=Zone: the apex', 'TTL']),
      roles: ['sre', 'ops'],
    });
    const { runbook } = parseRunbook(text, { filename: 'Check-Dns.md' });
    expect(runbook.description.trim()).toBe('Checks DNS.');
    expect(runbook.environment).toMatchObject([
      { name: 'DOMAIN', description: 'Zone: the apex' },
      { name: 'TTL', description: 'Describe TTL' },
    ]);
    expect(runbook.requiredClaims).toEqual({ roles: ['sre', 'ops'] });
    expect(runbook.script?.content).toContain('print -r -- "DOMAIN=${DOMAIN}"');
    expect(validateRunbook(runbook, { env: { DOMAIN: 'a', TTL: '1' } }).valid).toBe(true);
  });

  it('leaves Required Claims out when no roles are given', () => {
    const { runbook } = parseRunbook(renderRunbookTemplate({ name: 'Open', roles: [] }), {
      filename: 'Open.md',
    });
    expect(runbook.requiredClaims).toEqual({});
  });
});

describe('names and variables', () => {
  it('accepts file-like names and strips .md', () => {
    expect(runbookNameFrom('RotateLogs.md')).toBe('RotateLogs');
    expect(runbookNameFrom('rotate_logs-2')).toBe('rotate_logs-2');
  });

  it('rejects names that would not make a plain file name', () => {
    for (const bad of ['', '../x', 'a b', '-x', 'dir/x']) {
      try {
        runbookNameFrom(bad);
        throw new Error(`expected ${bad} to fail`);
      } catch (error) {
        expect(isCliError(error, 'USAGE')).toBe(true);
      }
    }
    expect(() => parseTemplateVariables(['BAD-NAME=x'])).toThrow(/not a valid variable name/);
  });
});
