import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { formatHistoryEntry, parseRunbook } from '@runbooks/runbook-format';
import { isCliError } from './cli-error';
import {
  allDiagnostics,
  CANCELED_MARKER,
  listLocalRunbooks,
  loadLocalRunbook,
  localListItem,
  localRuns,
  statusOfHistoryEntry,
  validateLocalRunbook,
} from './local-runbooks';
import { resolveLocalRunbook } from './runbook-resolver';

const SAMPLES = resolve(__dirname, '../../../../samples/runbooks');

describe('local runbooks', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'runbook-cli-local-'));
    cpSync(SAMPLES, dir, { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lists *.md files that start with an H1, sorted by file name', () => {
    writeFileSync(join(dir, 'NoTitle.md'), 'just text\n');
    writeFileSync(join(dir, 'Unreadable.md'), '# Unreadable\n');
    chmodSync(join(dir, 'Unreadable.md'), 0o000);
    const names = listLocalRunbooks(dir, '/').map((item) => item.file.filename);
    expect(names).toContain('SimpleRunbook.md');
    expect(names).not.toContain('NoTitle.md');
    expect(names).not.toContain('CreatePackage.dockerfile');
    expect([...names].sort()).toEqual(names);
    if (process.getuid?.() !== 0) expect(names).not.toContain('Unreadable.md');
  });

  it('reports a missing folder as not found', () => {
    try {
      listLocalRunbooks(join(dir, 'missing'), '/');
      throw new Error('expected a failure');
    } catch (error) {
      expect(isCliError(error, 'NOT_FOUND')).toBe(true);
    }
  });

  it('validates against an environment and checks inputs relative to the runbook', () => {
    const loaded = loadLocalRunbook(resolveLocalRunbook('CreatePackage', dir, '/'));
    expect(validateLocalRunbook(loaded, {}).errors).toEqual([
      'Required environment variable not set: GITHUB_TOKEN',
    ]);
    expect(validateLocalRunbook(loaded, { GITHUB_TOKEN: 'x' }).valid).toBe(true);
    rmSync(join(dir, 'CreatePackage.dockerfile'));
    expect(validateLocalRunbook(loaded, { GITHUB_TOKEN: 'x' }).errors).toEqual([
      'Required input file does not exist: ./CreatePackage.dockerfile',
    ]);
  });

  it('merges parser and validation diagnostics without duplicates, in file order', () => {
    writeFileSync(
      join(dir, 'Bad.md'),
      '# Bad\n\n# Environment Requirements\n```yaml\nA: b: c\n```\n# History\n',
    );
    const loaded = loadLocalRunbook(resolveLocalRunbook('Bad', dir, '/'));
    const diagnostics = allDiagnostics(loaded, validateLocalRunbook(loaded, {}));
    expect(diagnostics.map((d) => d.code)).toContain('YAML_SYNTAX');
    expect(diagnostics.map((d) => d.line)).toEqual(
      [...diagnostics.map((d) => d.line)].sort((a, b) => a - b),
    );
    const keys = diagnostics.map((d) => `${d.code}:${d.line}:${d.message}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('reads History entries as runs, newest first, with statuses', () => {
    const file = join(dir, 'SimpleRunbook.md');
    const entries = [
      formatHistoryEntry({ timestamp: '2026-01-01T00:00:00.000Z', exitCode: 0, stdout: 'ok\n' }),
      formatHistoryEntry({ timestamp: '2026-01-02T00:00:00.000Z', exitCode: 2, stderr: 'bad\n' }),
      formatHistoryEntry({
        timestamp: '2026-01-03T00:00:00.000Z',
        exitCode: -15,
        stderr: `${CANCELED_MARKER}\n`,
      }),
      formatHistoryEntry({
        timestamp: '2026-01-04T00:00:00.000Z',
        exitCode: -9,
        stderr: '\nScript execution timed out after 1 seconds. The script was terminated.\n',
      }),
      formatHistoryEntry({
        timestamp: '2026-01-05T00:00:00.000Z',
        exitCode: 403,
        error: 'RBAC Failure: no',
      }),
    ];
    writeFileSync(file, `${readFileSync(file, 'utf8')}${entries.join('')}`);
    const loaded = loadLocalRunbook(resolveLocalRunbook('SimpleRunbook', dir, '/'));
    const runs = localRuns([loaded]);
    expect(runs.map((run) => [run.id, run.status, run.return_code])).toEqual([
      ['SimpleRunbook.md#5', 'denied', 403],
      ['SimpleRunbook.md#4', 'timeout', -9],
      ['SimpleRunbook.md#3', 'canceled', -15],
      ['SimpleRunbook.md#2', 'failure', 2],
      ['SimpleRunbook.md#1', 'success', 0],
    ]);
    expect(runs[4]?.stdout).toBe('ok\n');
    expect(runs[0]?.errors).toEqual(['RBAC Failure: no']);
    expect(localListItem(loaded)).toMatchObject({
      filename: 'SimpleRunbook.md',
      name: 'SimpleRunbook',
      path: 'SimpleRunbook.md',
      executable: true,
      required_claims: { roles: ['sre', 'api'] },
      last_run: { id: 'SimpleRunbook.md#5', status: 'denied', return_code: 403 },
    });
  });

  it('maps a History entry without special markers to failure', () => {
    const { runbook } = parseRunbook(
      `# X\n\n# History\n${formatHistoryEntry({ timestamp: '2026-01-01T00:00:00.000Z', exitCode: -9 })}`,
    );
    const entry = runbook.history[0];
    expect(entry && statusOfHistoryEntry(entry)).toBe('failure');
  });
});
