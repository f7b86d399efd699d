import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isCliError } from './cli-error';
import {
  displayPath,
  remoteRunbookFilename,
  resolveLocalRunbook,
  withMdExtension,
} from './runbook-resolver';

describe('resolveLocalRunbook', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'runbook-cli-resolve-'));
    mkdirSync(join(root, 'books'));
    mkdirSync(join(root, 'books', 'Folder.md'));
    writeFileSync(join(root, 'books', 'Deploy.md'), '# Deploy\n');
    writeFileSync(join(root, 'Local.md'), '# Local\n');
    writeFileSync(join(root, 'notes.txt'), 'x');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('finds a name in the runbooks folder, with or without .md', () => {
    for (const name of ['Deploy', 'Deploy.md']) {
      expect(resolveLocalRunbook(name, 'books', root)).toEqual({
        path: join(root, 'books', 'Deploy.md'),
        filename: 'Deploy.md',
        dir: join(root, 'books'),
        display: join('books', 'Deploy.md'),
      });
    }
  });

  it('takes paths relative to the working directory, and existing .md files there first', () => {
    expect(resolveLocalRunbook('./books/Deploy.md', 'elsewhere', root).filename).toBe('Deploy.md');
    expect(resolveLocalRunbook(join(root, 'books', 'Deploy.md'), '.', '/nowhere').display).toBe(
      join(root, 'books', 'Deploy.md'),
    );
    expect(resolveLocalRunbook('Local.md', 'books', root).path).toBe(join(root, 'Local.md'));
  });

  it('explains what is missing or wrong', () => {
    const failure = (arg: string, dir = 'books'): unknown => {
      try {
        resolveLocalRunbook(arg, dir, root);
      } catch (error) {
        return error;
      }
      throw new Error(`expected ${arg} to fail`);
    };
    const missing = failure('Nope');
    expect(isCliError(missing, 'NOT_FOUND')).toBe(true);
    expect((missing as Error).message).toBe('Runbook not found: Nope.md (looked in books)');
    expect((failure('./nope.md') as Error).message).toBe('Runbook not found: ./nope.md');
    expect(isCliError(failure('./notes.txt'), 'USAGE')).toBe(true);
    expect(isCliError(failure('Folder'), 'USAGE')).toBe(true);
    expect(isCliError(failure('  '), 'USAGE')).toBe(true);
  });
});

describe('names', () => {
  it('derives the server file name from any argument', () => {
    expect(remoteRunbookFilename('SimpleRunbook')).toBe('SimpleRunbook.md');
    expect(remoteRunbookFilename('./samples/runbooks/SimpleRunbook.md')).toBe('SimpleRunbook.md');
    expect(withMdExtension('x.md')).toBe('x.md');
    expect(displayPath('/a/b/c.md', '/a')).toBe('b/c.md');
    expect(displayPath('/x/c.md', '/a')).toBe('/x/c.md');
  });
});
