import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CapturedIo } from '../testing/captured-io';
import { runCli } from './program';

const LINT_SAMPLES = resolve(__dirname, '../../../../samples/lint');

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

interface SarifLog {
  version: string;
  runs: {
    tool: { driver: { name: string; rules: { id: string }[] } };
    invocations: { toolExecutionNotifications: { level: string; message: { text: string } }[] }[];
    results: {
      ruleId: string;
      ruleIndex: number;
      level: string;
      locations: {
        physicalLocation: {
          artifactLocation: { uri: string };
          region?: { startLine: number; startColumn: number };
        };
      }[];
    }[];
  }[];
}

describe('runbook lint (in process)', () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'runbook-cli-lint-'));
    cpSync(LINT_SAMPLES, root, { recursive: true });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  async function lint(...args: string[]): Promise<Outcome> {
    const io = new CapturedIo(root, { NO_COLOR: '1' });
    const code = await runCli(['lint', ...args], io);
    return { code, stdout: io.stdout.text, stderr: io.stderr.text };
  }

  it('passes a folder of valid runbooks (nested ones too) and skips a README with a note', async () => {
    expect(await lint('good')).toEqual({
      code: 0,
      stdout:
        'note: skipped good/README.md: not a runbook (none of the runbook sections)\n' +
        '✓ 3 runbooks checked (1 skipped): no problems\n',
      stderr: '',
    });
  });

  it('fails on errors with file:line:column lines, the cut script among them', async () => {
    const result = await lint('broken');
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(
      "broken/HeredocCut.md:21:1: error: Script section has content after the script's closing fence",
    );
    expect(result.stdout).toContain(
      'broken/BadYaml.md:6:14: error: Environment Requirements: invalid YAML',
    );
    expect(result.stdout).toContain(
      'broken/BadYaml.md:10:1: error: Required input file does not exist: ./missing.conf',
    );
    expect(result.stdout).toContain('broken/BadClaims.md:16:1: error: Required claim');
    expect(result.stdout.trimEnd().split('\n').pop()).toBe(
      '✗ 3 runbooks checked: 8 errors, 0 warnings',
    );
  });

  it('passes with warnings unless --strict', async () => {
    const relaxed = await lint('warnings');
    expect(relaxed.code).toBe(0);
    expect(relaxed.stdout).toContain(
      "warnings/Renamed.md:1:1: warning: Runbook name 'Rotate Logs' does not match filename 'Renamed'",
    );
    const strict = await lint('warnings', '--strict');
    expect(strict.code).toBe(1);
    expect(strict.stdout).toContain('✗ 1 runbook checked: 0 errors, 1 warning (--strict)');
  });

  it('does not require variables to be set, and checks only the files given', async () => {
    const result = await lint('good/RotateLogs.md', 'warnings/Renamed.md', 'good/RotateLogs.md');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('2 runbooks checked: 0 errors, 1 warning');
  });

  it('lints --runbooks-dir when no path is given, leaving out hidden folders and node_modules', async () => {
    for (const folder of ['good/.git', 'good/node_modules/pkg'])
      cpSync(join(root, 'broken'), join(root, folder), { recursive: true });
    expect((await lint()).code).toBe(1); // "." by default: broken/ is in it
    expect(await lint('--runbooks-dir', 'good')).toMatchObject({ code: 0 });
    const io = new CapturedIo(root, { NO_COLOR: '1', RUNBOOKS_DIR: 'good' });
    expect(await runCli(['lint'], io)).toBe(0);
    expect(io.stdout.text).toContain('3 runbooks checked');
  });

  it('prints a JSON report', async () => {
    const result = await lint('broken', 'good', '--format', 'json');
    const report = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(result.code).toBe(1);
    expect(report).toMatchObject({
      success: false,
      strict: false,
      errorCount: 8,
      warningCount: 0,
      skipped: [
        { file: 'good/README.md', reason: expect.stringContaining('not a runbook') as unknown },
      ],
    });
    expect(report['checked']).toHaveLength(6);
    expect(report['diagnostics']).toContainEqual({
      file: 'broken/HeredocCut.md',
      line: 21,
      column: 1,
      severity: 'error',
      code: 'SCRIPT_TRAILING_CONTENT',
      message: expect.stringContaining('````sh') as unknown,
    });
  });

  it('writes GitHub workflow annotations with escaped properties and messages', async () => {
    mkdirSync(join(root, 'odd:name,dir'));
    cpSync(join(root, 'warnings/Renamed.md'), join(root, 'odd:name,dir/Renamed.md'));
    const result = await lint('odd:name,dir', 'broken/BadYaml.md', '--format', 'github');
    expect(result.code).toBe(1);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toContain(
      '::error file=broken/BadYaml.md,line=10,col=1,title=runbook lint%3A INPUT_NOT_FOUND::Required input file does not exist: ./missing.conf',
    );
    expect(lines).toContain(
      "::warning file=odd%3Aname%2Cdir/Renamed.md,line=1,col=1,title=runbook lint%3A NAME_MISMATCH::Runbook name 'Rotate Logs' does not match filename 'Renamed'",
    );
    expect(lines.at(-1)).toBe('✗ 2 runbooks checked: 2 errors, 1 warning');
  });

  it('writes a SARIF 2.1.0 log: rules, located results, skipped files as notes', async () => {
    const result = await lint('broken/HeredocCut.md', 'warnings', 'good', '-f', 'sarif');
    expect(result.code).toBe(1);
    const log = JSON.parse(result.stdout) as SarifLog;
    expect(log.version).toBe('2.1.0');
    const [run] = log.runs;
    expect(run?.tool.driver.name).toBe('runbook lint');
    expect(run?.tool.driver.rules.map((r) => r.id)).toEqual([
      'NAME_MISMATCH',
      'SCRIPT_TRAILING_CONTENT',
      'SECTION_MISSING',
    ]);
    const cut = run?.results.find((r) => r.ruleId === 'SCRIPT_TRAILING_CONTENT');
    expect(cut).toMatchObject({ level: 'error', ruleIndex: 1 });
    expect(cut?.locations[0]?.physicalLocation).toEqual({
      artifactLocation: { uri: 'broken/HeredocCut.md', uriBaseId: '%SRCROOT%' },
      region: { startLine: 21, startColumn: 1 },
    });
    expect(run?.results.find((r) => r.ruleId === 'NAME_MISMATCH')?.level).toBe('warning');
    expect(run?.invocations[0]?.toolExecutionNotifications).toEqual([
      expect.objectContaining({
        level: 'note',
        message: { text: expect.stringMatching(/^skipped/) as unknown },
      }),
    ]);
  });

  it('refuses a missing path (66), a file that is not markdown and an unknown format (64)', async () => {
    writeFileSync(join(root, 'notes.txt'), '# Script\n');
    expect(await lint('nope')).toEqual({
      code: 66,
      stdout: '',
      stderr: 'error: no such file or folder: nope\n',
    });
    expect(await lint('notes.txt')).toMatchObject({
      code: 64,
      stderr: 'error: notes.txt is not a markdown file: runbooks end in .md\n',
    });
    expect(await lint('good', '--format', 'xml')).toMatchObject({
      code: 64,
      stderr: "error: unknown format 'xml': use one of text, json, github, sarif\n",
    });
  });
});
