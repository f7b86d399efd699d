import { renderMarkdown } from './markdown-renderer';

describe('renderMarkdown', () => {
  it('renders GitHub-flavoured markdown', () => {
    const html = renderMarkdown(
      '# Title\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```sh\necho hi\n```\n',
    );
    expect(html).toContain('<h1>Title</h1>');
    expect(html).toContain('<table>');
    expect(html).toContain('<code class="language-sh">echo hi');
  });

  it('removes scripts, event handlers, javascript: URLs, styles and forms', () => {
    const html = renderMarkdown(
      [
        '<script>alert(1)</script>',
        '<img src="x" onerror="alert(2)">',
        '[click](javascript:alert(3))',
        '<a href="javascript:alert(4)">x</a>',
        '<style>body{display:none}</style>',
        '<form action="/dev-login"><input name="a"><button>go</button></form>',
        '<p style="position:fixed">styled</p>',
        '<iframe src="https://evil.example"></iframe>',
        '<svg><script>alert(5)</script></svg>',
      ].join('\n\n'),
    );
    expect(html).not.toMatch(
      /<script|onerror|javascript:|<style|<form|<input|<button|style=|<iframe/i,
    );
    expect(html).toContain('styled');
  });

  it('opens external links in a new tab without opener access', () => {
    const html = renderMarkdown('[docs](https://example.com/x) and [local](/runs)');
    expect(html).toContain('href="https://example.com/x"');
    expect(html).toContain('target="_blank"');
    expect(html).toContain('rel="noopener noreferrer"');
    expect(html).toMatch(/<a href="\/runs">local<\/a>/);
  });
});
