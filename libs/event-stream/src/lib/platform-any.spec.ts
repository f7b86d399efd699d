import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The code only: doc comments may name what the code must not use. */
function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}

// @runbooks/event-stream runs in browsers and in Node: its shipped sources must use neither
// Node nor DOM-only APIs (the build type-checks them against the ES library alone).
describe('platform:any sources', () => {
  const srcDir = join(__dirname, '..');
  const sources = readdirSync(srcDir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts'))
    .map((file) => ({ file, text: withoutComments(readFileSync(join(srcDir, file), 'utf8')) }));

  it('finds the sources', () => {
    expect(sources.map((s) => s.file)).toContain('index.ts');
  });

  it.each([
    [
      'Node built-in imports',
      /from\s+['"](node:|fs|path|os|crypto|util|buffer|events|stream)['"/]/,
    ],
    ['require()', /\brequire\(/],
    ['process', /\bprocess\./],
    ['Buffer', /\bBuffer\b/],
    ['DOM globals', /\b(window|document|navigator|DOMException|EventSource)\b/],
  ])('use no %s', (_label, pattern) => {
    for (const { file, text } of sources)
      expect({ file, uses: pattern.test(text) }).toEqual({ file, uses: false });
  });
});
