import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// @runbooks/rbac runs in browsers too: its shipped sources must not reach for Node.
describe('platform:any sources', () => {
  const srcDir = join(__dirname, '..');
  const sources = readdirSync(srcDir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts'))
    .map((file) => ({ file, text: readFileSync(join(srcDir, file), 'utf8') }));

  it('finds the sources', () => {
    expect(sources.map((s) => s.file)).toContain('index.ts');
  });

  it.each([
    ['Node built-in imports', /from\s+['"](node:|fs|path|os|crypto|util|buffer|events)['"/]/],
    ['require()', /\brequire\(/],
    ['process', /\bprocess\./],
    ['Buffer', /\bBuffer\b/],
  ])('use no %s', (_label, pattern) => {
    for (const { file, text } of sources)
      expect({ file, uses: pattern.test(text) }).toEqual({ file, uses: false });
  });
});
