import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { CLI_MAIN, REPO_ROOT } from './support/paths';

// The GitHub Action (action.yml) and the pre-commit hook (.pre-commit-hooks.yaml) run the CLI
// from npm with `npx --yes <package> lint ...`. Here the package is the built CLI packed into a
// tarball, and the action's own script runs with bash exactly as a runner would run it.

interface ActionInput {
  default?: string;
}
interface ActionFile {
  inputs: Record<string, ActionInput>;
  runs: { using: string; steps: { shell: string; env: Record<string, string>; run: string }[] };
}
interface Hook {
  id: string;
  entry: string;
  language: string;
  files: string;
}
interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

const action = load(readFileSync(join(REPO_ROOT, 'action.yml'), 'utf8')) as ActionFile;
const hooks = load(readFileSync(join(REPO_ROOT, '.pre-commit-hooks.yaml'), 'utf8')) as Hook[];

function run(command: string, args: string[], cwd: string, env: Record<string, string>) {
  return new Promise<Outcome>((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('GitHub Action and pre-commit hook (the packed CLI through npx)', () => {
  let scratch: string;
  let workspace: string;
  let cliPackage: string;
  const baseEnv = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: process.env['HOME'] ?? '/root',
    npm_config_prefer_offline: 'true',
    npm_config_update_notifier: 'false',
  };

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'runbook-lint-action-'));
    const tarball = execFileSync(
      'npm',
      ['pack', join(CLI_MAIN, '..'), '--pack-destination', scratch, '--silent'],
      { encoding: 'utf8' },
    ).trim();
    cliPackage = `file:${join(scratch, tarball)}`;
    workspace = join(scratch, 'repo');
    cpSync(join(REPO_ROOT, 'samples/lint'), workspace, { recursive: true });
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  /** Runs the action's step as a runner does: inputs interpolated into its env, bash -eo pipefail. */
  function runAction(inputs: Record<string, string>): Promise<Outcome> {
    const [step] = action.runs.steps;
    if (!step) throw new Error('action.yml has no step');
    const value = (name: string) => inputs[name] ?? action.inputs[name]?.default ?? '';
    const env: Record<string, string> = { ...baseEnv };
    for (const [name, expression] of Object.entries(step.env)) {
      env[name] = expression.replace(/\$\{\{\s*inputs\.([\w-]+)\s*\}\}/g, (_, input: string) =>
        value(input),
      );
    }
    return run(
      'bash',
      ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run],
      workspace,
      env,
    );
  }

  it('is a composite action with the documented inputs, running the published CLI', () => {
    expect(action.runs.using).toBe('composite');
    expect(Object.keys(action.inputs).sort()).toEqual(['cli-version', 'format', 'path', 'strict']);
    expect(action.inputs['cli-version']?.default).toBe('@runbooks/cli');
    expect(action.inputs['format']?.default).toBe('github');
    expect(action.runs.steps[0]?.run).toContain('npx --yes "$RUNBOOK_LINT_CLI" "${args[@]}"');
  });

  it('passes a folder of good runbooks', async () => {
    const result = await runAction({ path: 'good', 'cli-version': cliPackage });
    expect(result).toMatchObject({ code: 0 });
    expect(result.stdout).toBe(
      'skipped good/README.md: not a runbook (none of the runbook sections)\n' +
        '✓ 3 runbooks checked (1 skipped): no problems\n',
    );
  });

  it('fails on broken runbooks with one annotation per problem, the cut script included', async () => {
    const result = await runAction({ path: 'good\nbroken', 'cli-version': cliPackage });
    expect(result.code).toBe(1);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.filter((line) => line.startsWith('::error ')).length).toBe(8);
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^::error file=broken\/HeredocCut\.md,line=21,col=1,title=runbook lint%3A SCRIPT_TRAILING_CONTENT::Script section has content after the script's closing fence: .*````sh/,
      ),
    );
    expect(lines.at(-1)).toBe('✗ 6 runbooks checked (1 skipped): 8 errors, 0 warnings');
  });

  it('passes warnings unless strict is true; a bad strict value is refused', async () => {
    const relaxed = await runAction({ path: 'warnings', 'cli-version': cliPackage });
    expect(relaxed.code).toBe(0);
    expect(relaxed.stdout).toContain(
      '::warning file=warnings/Renamed.md,line=1,col=1,title=runbook lint%3A NAME_MISMATCH::',
    );
    const strict = await runAction({ path: 'warnings', strict: 'true', 'cli-version': cliPackage });
    expect(strict.code).toBe(1);
    const bad = await runAction({ path: 'warnings', strict: 'maybe', 'cli-version': cliPackage });
    expect(bad).toMatchObject({
      code: 64,
      stdout: "::error::strict must be true or false (got 'maybe')\n",
    });
  });

  it('writes SARIF when asked', async () => {
    const result = await runAction({ path: 'broken', format: 'sarif', 'cli-version': cliPackage });
    expect(result.code).toBe(1);
    const log = JSON.parse(result.stdout) as { version: string; runs: { results: unknown[] }[] };
    expect(log.version).toBe('2.1.0');
    expect(log.runs[0]?.results).toHaveLength(8);
  });

  it('has a pre-commit hook whose entry, given the staged files, fails only on broken runbooks', async () => {
    const [hook] = hooks;
    expect(hook).toMatchObject({ id: 'runbook-lint', language: 'system', files: '\\.md$' });
    const entry = (hook?.entry ?? '').split(' ');
    expect(entry).toEqual(['npx', '--yes', '@runbooks/cli', 'lint']);
    const [command = 'npx', ...args] = entry.map((word) =>
      word === '@runbooks/cli' ? cliPackage : word,
    );
    const staged = ['good/README.md', 'good/nested/CheckDns.md'];
    expect(await run(command, [...args, ...staged], workspace, baseEnv)).toMatchObject({ code: 0 });
    const broken = await run(
      command,
      [...args, ...staged, 'broken/BadYaml.md'],
      workspace,
      baseEnv,
    );
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain('broken/BadYaml.md:6:14: error: Environment Requirements');
  });
});
