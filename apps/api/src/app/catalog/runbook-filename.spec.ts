import type { AppError } from '../errors/app-error';
import { checkRunbookFilename } from './runbook-filename';

function codeOf(name: string): string {
  try {
    return checkRunbookFilename(name);
  } catch (error) {
    return (error as AppError).code;
  }
}

describe('checkRunbookFilename', () => {
  it('accepts plain markdown names', () => {
    expect(codeOf('SimpleRunbook.md')).toBe('SimpleRunbook.md');
    expect(codeOf('a b.md')).toBe('a b.md');
  });

  it.each([
    '',
    '..',
    '../x.md',
    '/etc/passwd',
    'a\\b.md',
    'x\0.md',
    '.hidden.md',
    `${'a'.repeat(254)}.md`,
  ])('refuses %j as a traversal attempt (400)', (name) => {
    expect(codeOf(name)).toBe('INVALID_FILENAME');
  });

  it('answers names that are not markdown as not found', () => {
    expect(codeOf('CreatePackage.dockerfile')).toBe('NOT_FOUND');
  });
});
