import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

import { REPO_ROOT } from './support/repo-paths';
import { loadConfigSchema } from './support/config-schema';
import { runCommand } from './support/run-command';
import { asArray, dig, readYaml } from './support/yaml-files';

const DOC = join(REPO_ROOT, 'docs/operations.md');
const text = readFileSync(DOC, 'utf8');

describe('docs/operations.md', () => {
  it('has the configuration reference generated from the current config schema', () => {
    const result = runCommand(process.execPath, [
      join(REPO_ROOT, 'deploy/scripts/config-reference.mjs'),
      '--check',
    ]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(text).toMatch(/\| `JWT_SECRET` \(secret\) \|/);
  });

  it('names only files that exist', () => {
    const named = [...text.matchAll(/`((?:deploy|samples|docs)\/[^`\s]+)`/g)].map(
      (m) => m[1] ?? '',
    );
    expect(named.length).toBeGreaterThan(10);
    for (const path of named)
      expect({ path, exists: existsSync(join(REPO_ROOT, path)) }).toEqual({ path, exists: true });
    for (const match of text.matchAll(/\]\((\.\.?\/[^)#]+)\)/g)) {
      const target = resolve(dirname(DOC), match[1] ?? '');
      expect({ link: match[1], exists: existsSync(target) }).toEqual({
        link: match[1],
        exists: true,
      });
    }
  });

  it('documents every alert rule', () => {
    const alerts = asArray(
      dig(readYaml(join(REPO_ROOT, 'deploy/prometheus-alerts.yml')), 'groups'),
      'groups',
    ).flatMap((g) => asArray(dig(g, 'rules'), 'rules').map((r) => String(dig(r, 'alert'))));
    for (const alert of alerts) expect(text).toContain(`| \`${alert}\` |`);
  });

  it('covers deployment, configuration, checklist, monitoring, backup, upgrade and troubleshooting', () => {
    const headings = [...text.matchAll(/^## (.+)$/gm)].map((m) => m[1]);
    expect(headings).toEqual([
      'What runs',
      'Deploying',
      'Configuration',
      'Production checklist',
      'Monitoring',
      'Backup and restore',
      'Upgrading',
      'Troubleshooting',
    ]);
  });
});

describe('docs/api.md', () => {
  it('lists every variable /api/config reports in its configuration table', () => {
    // First cells of the table rows (a row may name two variables: `API_PROTOCOL`, `API_HOST`).
    const firstCells = readFileSync(join(REPO_ROOT, 'docs/api.md'), 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('| '))
      .map((line) => line.split('|')[1] ?? '');
    const missing = loadConfigSchema()
      .map((variable) => variable.name)
      .filter((name) => !firstCells.some((cell) => cell.includes(`\`${name}\``)));
    expect(missing).toEqual([]);
  });
});
