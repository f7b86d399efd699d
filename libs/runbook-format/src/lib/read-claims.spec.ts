import { parseRunbook } from './parse-runbook';

const FENCE = '```';

function claimsOf(yaml: string) {
  const text = `# R\n\n# Required Claims\n${FENCE}yaml\n${yaml}\n${FENCE}\n`;
  return parseRunbook(text).runbook.requiredClaims;
}

describe('Required Claims values', () => {
  it('keeps values exactly as written (no number, boolean or float coercion)', () => {
    expect(claimsOf('tenant: 0042\nteam: [0x1F, 1.10]\nmfa: yes\nlevel: 1e3')).toEqual({
      tenant: ['0042'],
      team: ['0x1F', '1.10'],
      mfa: ['yes'],
      level: ['1e3'],
    });
  });

  it('an empty value or null lists nobody; a quoted "null" is a value', () => {
    expect(claimsOf('a:\nb: ~\nc: null\nd: "null"')).toEqual({ a: [], b: [], c: [], d: ['null'] });
  });

  it('trims ASCII spaces only', () => {
    expect(claimsOf('roles: " admin ,\u00a0ops"')).toEqual({ roles: ['admin', '\u00a0ops'] });
  });
});
