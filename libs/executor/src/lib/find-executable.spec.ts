import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findExecutable } from './find-executable';

describe('findExecutable', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'executor-find-'));
    mkdirSync(join(dir, 'bin'));
    mkdirSync(join(dir, 'other'));
    writeFileSync(join(dir, 'bin', 'tool'), '#!/bin/sh\n');
    chmodSync(join(dir, 'bin', 'tool'), 0o755);
    writeFileSync(join(dir, 'other', 'plain'), 'not executable');
    chmodSync(join(dir, 'other', 'plain'), 0o644);
    mkdirSync(join(dir, 'other', 'tooldir'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prefers an explicit path, then searches PATH for bare names', () => {
    expect(
      findExecutable(
        ['/nonexistent/zsh', 'tool'],
        `relative:${join(dir, 'other')}:${join(dir, 'bin')}`,
      ),
    ).toBe(join(dir, 'bin', 'tool'));
    expect(findExecutable([join(dir, 'bin', 'tool'), 'zsh'], '')).toBe(join(dir, 'bin', 'tool'));
  });

  it('skips files that are not executable and directories', () => {
    expect(findExecutable(['plain', 'tooldir'], join(dir, 'other'))).toBeNull();
    expect(findExecutable([join(dir, 'other', 'plain')])).toBeNull();
  });
});
