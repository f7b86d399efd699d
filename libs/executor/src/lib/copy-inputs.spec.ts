import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyInputs, resolveLikePython } from './copy-inputs';

describe('copyInputs', () => {
  let sandbox: string;
  let runbooks: string;
  let runDir: string;

  beforeEach(() => {
    sandbox = mkdtempSync(join(tmpdir(), 'executor-inputs-'));
    runbooks = join(sandbox, 'runbooks');
    runDir = join(sandbox, 'run');
    mkdirSync(join(runbooks, 'CreatePackage', 'nested'), { recursive: true });
    mkdirSync(runDir);
    writeFileSync(join(runbooks, 'CreatePackage', 'input.txt'), 'input');
    writeFileSync(join(runbooks, 'CreatePackage', 'nested', 'deep.txt'), 'deep');
    writeFileSync(join(runbooks, 'top.txt'), 'top');
    writeFileSync(join(sandbox, 'outside.txt'), 'secret');
  });

  afterEach(() => {
    chmodSync(runbooks, 0o755);
    rmSync(sandbox, { recursive: true, force: true });
  });

  it('flattens files to their basename and copies folders whole (reference layout)', async () => {
    utimesSync(
      join(runbooks, 'top.txt'),
      new Date('2020-01-01T00:00:00Z'),
      new Date('2020-01-01T00:00:00Z'),
    );
    chmodSync(join(runbooks, 'top.txt'), 0o640);
    const errors = await copyInputs(
      runbooks,
      ['./CreatePackage/input.txt', 'CreatePackage', 'top.txt'],
      runDir,
    );
    expect(errors).toEqual([]);
    expect(readFileSync(join(runDir, 'input.txt'), 'utf8')).toBe('input');
    expect(readFileSync(join(runDir, 'CreatePackage', 'nested', 'deep.txt'), 'utf8')).toBe('deep');
    const copied = statSync(join(runDir, 'top.txt'));
    expect(copied.mtime.toISOString()).toBe('2020-01-01T00:00:00.000Z');
    expect(copied.mode & 0o777).toBe(0o640);
  });

  it('merges a folder into an existing one and overwrites same-named files', async () => {
    mkdirSync(join(runDir, 'CreatePackage'));
    writeFileSync(join(runDir, 'CreatePackage', 'input.txt'), 'old');
    writeFileSync(join(runDir, 'CreatePackage', 'keep.txt'), 'keep');
    expect(await copyInputs(runbooks, ['CreatePackage'], runDir)).toEqual([]);
    expect(readFileSync(join(runDir, 'CreatePackage', 'input.txt'), 'utf8')).toBe('input');
    expect(readFileSync(join(runDir, 'CreatePackage', 'keep.txt'), 'utf8')).toBe('keep');
  });

  it('rejects paths that escape the runbook folder, also through symlinks and absolute paths', async () => {
    symlinkSync(join(sandbox, 'outside.txt'), join(runbooks, 'sneaky.txt'));
    symlinkSync(sandbox, join(runbooks, 'sneaky-dir'));
    const errors = await copyInputs(
      runbooks,
      [
        '../outside.txt',
        'sneaky.txt',
        'sneaky-dir/outside.txt',
        join(sandbox, 'outside.txt'),
        '../../../../etc/passwd',
      ],
      runDir,
    );
    expect(errors).toEqual([
      'Input path escapes runbook directory: ../outside.txt',
      'Input path escapes runbook directory: sneaky.txt',
      'Input path escapes runbook directory: sneaky-dir/outside.txt',
      `Input path escapes runbook directory: ${join(sandbox, 'outside.txt')}`,
      'Input path escapes runbook directory: ../../../../etc/passwd',
    ]);
  });

  it('accepts absolute paths and in-folder symlinks that resolve inside the folder', async () => {
    symlinkSync(join(runbooks, 'top.txt'), join(runbooks, 'alias.txt'));
    expect(await copyInputs(runbooks, [join(runbooks, 'top.txt'), 'alias.txt'], runDir)).toEqual(
      [],
    );
    // resolved through the link: the target's basename is used, as Path.resolve().name does
    expect(readFileSync(join(runDir, 'top.txt'), 'utf8')).toBe('top');
  });

  it('reports missing inputs and dangling links that point outside', async () => {
    symlinkSync(join(sandbox, 'nowhere.txt'), join(runbooks, 'dangling-out'));
    symlinkSync(join(runbooks, 'nowhere.txt'), join(runbooks, 'dangling-in'));
    const errors = await copyInputs(
      runbooks,
      ['missing.txt', 'no/such/dir', 'dangling-out', 'dangling-in'],
      runDir,
    );
    expect(errors).toEqual([
      'Input file/folder does not exist: missing.txt',
      'Input file/folder does not exist: no/such/dir',
      'Input path escapes runbook directory: dangling-out',
      'Input file/folder does not exist: dangling-in',
    ]);
  });

  it('reports something that is neither a file nor a folder', async () => {
    expect(spawnSync('mkfifo', [join(runbooks, 'pipe')]).status).toBe(0);
    expect(await copyInputs(runbooks, ['pipe'], runDir)).toEqual([
      'Input path is neither file nor directory: pipe',
    ]);
  });

  it('reports a symlink inside a copied folder that leads out of the runbook folder', async () => {
    symlinkSync(join(sandbox, 'outside.txt'), join(runbooks, 'CreatePackage', 'leak.txt'));
    const errors = await copyInputs(runbooks, ['CreatePackage'], runDir);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^Failed to copy input CreatePackage: link escapes runbook directory: leak\.txt$/,
    );
  });

  it('reports copy failures with the underlying error', async () => {
    mkdirSync(join(runDir, 'top.txt')); // a folder where the file should go
    const errors = await copyInputs(runbooks, ['top.txt'], runDir);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^Failed to copy input top\.txt: /);
  });

  it('collects every error instead of stopping at the first', async () => {
    const errors = await copyInputs(runbooks, ['missing-a', 'top.txt', 'missing-b'], runDir);
    expect(errors).toEqual([
      'Input file/folder does not exist: missing-a',
      'Input file/folder does not exist: missing-b',
    ]);
  });
});

describe('resolveLikePython', () => {
  it('resolves the existing part and appends the rest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'executor-resolve-'));
    try {
      symlinkSync(dir, join(dir, 'self'));
      expect(await resolveLikePython(join(dir, 'self', 'a', 'b'))).toBe(join(dir, 'a', 'b'));
      expect(await resolveLikePython('/')).toBe('/');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
