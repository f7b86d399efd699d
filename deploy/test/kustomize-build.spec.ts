import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

import { buildKustomization } from './support/kustomize-build';
import { DEPLOY_DIR } from './support/repo-paths';
import { readYamlDocuments, type YamlNode } from './support/yaml-files';

// The deploy tests render deploy/k8s with this renderer instead of kubectl, so it must agree with
// kustomize: the fixture overlay uses every feature deploy/k8s uses, and expected.yaml is what
// kustomize v5.5.0 (`kubectl kustomize`) printed for it.

const fixtures = join(DEPLOY_DIR, 'test', 'fixtures', 'kustomize');
const byId = (objects: YamlNode[]) =>
  new Map(
    objects.map((o) => {
      const metadata = o['metadata'] as Record<string, unknown>;
      return [`${String(o['kind'])}/${String(metadata['name'])}`, o];
    }),
  );

describe('kustomize renderer', () => {
  it('renders the fixture overlay exactly as kustomize does', () => {
    const expected = byId(readYamlDocuments(join(fixtures, 'expected.yaml')));
    const rendered = byId(buildKustomization(join(fixtures, 'overlay')));
    expect([...rendered.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [id, object] of expected)
      expect({ id, object: rendered.get(id) }).toEqual({ id, object });
  });

  it('refuses what it does not implement instead of rendering something else', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kustomize-unsupported-'));
    try {
      writeFileSync(join(dir, 'kustomization.yaml'), 'commonLabels: { a: b }\nresources: []\n');
      expect(() => buildKustomization(dir)).toThrow(/does not support commonLabels/);
      writeFileSync(join(dir, 'kustomization.yaml'), `resources: [${fixtures}/base]\n`);
      expect(() => buildKustomization(dir)).toThrow(/refuses absolute paths/);
      writeFileSync(
        join(dir, 'kustomization.yaml'),
        `resources: [${relative(dir, fixtures)}/extras]\n`,
      );
      expect(() => buildKustomization(dir)).toThrow(/expected kind Kustomization, found Component/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
