import { renderMarkdown } from './markdown-terminal';
import { createStyle } from './terminal-style';

const plain = createStyle(false);

describe('renderMarkdown', () => {
  it('renders headings, wrapped paragraphs and indented code', () => {
    const text = [
      '# Deploy',
      'Ships the **service** to `prod` after the checks in [the guide](https://example.com/guide).',
      '',
      '# Script',
      '```sh',
      'echo hi',
      '```',
      '',
    ].join('\n');
    expect(renderMarkdown(text, plain, 40)).toBe(
      [
        'Deploy',
        '══════',
        '',
        'Ships the service to `prod` after the',
        'checks in the guide',
        '(https://example.com/guide).',
        '',
        'Script',
        '──────',
        '',
        '    echo hi',
        '',
      ].join('\n'),
    );
  });

  it('renders lists, nested lists, quotes, rules, tables and breaks', () => {
    const text = [
      '- one',
      '- two',
      '  1. first',
      '  2. second',
      '',
      '> quoted *text*',
      '',
      '---',
      '',
      '| A | B |',
      '|---|---|',
      '| 1 | 2 |',
      '',
      'line  ',
      'break ~~gone~~ ![logo](logo.png) <b>x</b>',
      '',
      '## Sub',
      '### Small',
      '',
      '    indented code',
    ].join('\n');
    expect(renderMarkdown(text, plain, 60)).toBe(
      [
        '• one',
        '• two',
        '  1. first',
        '  2. second',
        '',
        '│ quoted text',
        '',
        '─'.repeat(60),
        '',
        'A  B',
        '1  2',
        '',
        'line',
        'break gone [image: logo] <b>x</b>',
        '',
        'Sub',
        '',
        'Small',
        '',
        '    indented code',
        '',
      ].join('\n'),
    );
  });

  it('styles when colour is on', () => {
    const color = createStyle(true);
    const text = renderMarkdown('# T\n\nA `code` and **bold** [link](http://x)\n', color, 80);
    expect(text).toContain('\u001b[1mT\u001b[22m');
    expect(text).toContain('\u001b[36mcode\u001b[39m');
    expect(text).toContain('\u001b[4mlink\u001b[24m');
  });

  it('returns nothing for empty input', () => {
    expect(renderMarkdown('', plain, 80)).toBe('');
  });
});
