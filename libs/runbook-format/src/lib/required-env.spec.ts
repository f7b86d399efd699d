import { isEscapingInputPath } from './input-path';
import { parseRunbook } from './parse-runbook';
import { computeRequiredEnv, isVariableSet } from './required-env';

describe('computeRequiredEnv', () => {
  const text = '# R\n# Environment Requirements\n```yaml\nA: first\nB: second\nC:\n```\n';
  const { runbook } = parseRunbook(text);

  it('splits declared variables into available and missing, in file order', () => {
    const legacy = (name: string, description: string): unknown =>
      expect.objectContaining({ name, description, type: 'string', required: true, secret: false });
    expect(computeRequiredEnv(runbook, { B: 'x', C: '', UNRELATED: 'y' })).toEqual({
      required: [legacy('A', 'first'), legacy('B', 'second'), legacy('C', '')],
      available: [legacy('B', 'second'), legacy('C', '')],
      missing: [legacy('A', 'first')],
    });
  });

  it('gives three empty lists when nothing is declared or the block is unreadable', () => {
    const empty = { required: [], available: [], missing: [] };
    expect(computeRequiredEnv(parseRunbook('# R\n').runbook, {})).toEqual(empty);
    const broken = parseRunbook('# R\n# Environment Requirements\n```yaml\nA: b: c\n```\n');
    expect(computeRequiredEnv(broken.runbook, {})).toEqual(empty);
  });

  it('ignores inherited object keys and undefined values', () => {
    expect(isVariableSet({ A: undefined }, 'A')).toBe(false);
    expect(isVariableSet({}, 'toString')).toBe(false);
  });
});

describe('isEscapingInputPath', () => {
  it.each([
    ['./data.txt', false],
    ['folder/../data.txt', false],
    ['./a/./b', false],
    ['../x', true],
    ['a/../../x', true],
    ['/etc/passwd', true],
    ['C:\\Windows', true],
    ['..\\x', true],
  ])('%s escapes: %s', (path, escapes) => {
    expect(isEscapingInputPath(path)).toBe(escapes);
  });
});
