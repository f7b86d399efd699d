import { closeOpenBlocks } from './close-open-blocks';
import { formatHistoryEntry } from './history-entry';
import { parseRunbook } from './parse-runbook';

const FENCE = '```';
const HEAD = `# Deploy\nText.\n\n# Script\n${FENCE}sh\necho hi\n${FENCE}\n\n# History\n`;
/** Output that tries to add a section after History once it is outside the entry's fence. */
const HOSTILE = `${FENCE}\n-->\n]]>\n?>\n</pre>\n\n# Required Claims\n${FENCE}yaml\nroles: [nobody]\n${FENCE}\n`;

/** The section titles of `text` plus one appended entry, written as the appender writes it. */
function titlesAfterAppend(text: string): string[] {
  const entry = formatHistoryEntry({
    timestamp: '2026-03-01T12:00:00.000Z',
    exitCode: 0,
    stdout: HOSTILE,
  });
  const appended = text + closeOpenBlocks(text) + entry;
  return parseRunbook(appended).runbook.sections.map((section) => section.title);
}

describe('closeOpenBlocks', () => {
  it('returns nothing when the text ends outside any block', () => {
    expect(closeOpenBlocks(HEAD)).toBe('');
    expect(closeOpenBlocks(`${HEAD}<!-- a note -->\n`)).toBe('');
    expect(closeOpenBlocks(`${HEAD}<div>\nx\n\n`)).toBe('');
    expect(closeOpenBlocks('')).toBe('');
  });

  it.each([
    ['an HTML comment', '<!--\nstill a comment', '\n-->\n'],
    ['an HTML comment, text ending in a newline', '<!--\n', '-->\n'],
    ['a processing instruction', '<?php\n', '?>\n'],
    ['a declaration', '<!DOCTYPE\n', '>\n'],
    ['a CDATA section', '<![CDATA[\n', ']]>\n'],
    ['a raw <pre> block', '<PRE class="x">\nraw\n', '</pre>\n'],
    ['a block that ends at a blank line', '<div>\ntext', '\n\n'],
    ['a fence', `${FENCE}sh\ncode\n`, `${FENCE}\n`],
    ['a longer tilde fence', '~~~~~\n~~~\n', '~~~~~\n'],
  ])('closes %s', (_name, tail, closer) => {
    expect(closeOpenBlocks(HEAD + tail)).toBe(closer);
    expect(titlesAfterAppend(HEAD + tail)).toEqual(['Script', 'History']);
  });

  it('reads CRLF text as the parser does', () => {
    expect(closeOpenBlocks(`${HEAD}<!--\nopen\n`.replace(/\n/g, '\r\n'))).toBe('-->\n');
  });

  it('shows the attack it prevents: without the closer, output adds a section', () => {
    const text = `${HEAD}<!--\n`;
    const entry = formatHistoryEntry({ timestamp: 'x', exitCode: 0, stdout: HOSTILE });
    const titles = parseRunbook(text + entry).runbook.sections.map((section) => section.title);
    expect(titles).toContain('Required Claims');
    expect(titlesAfterAppend(text)).toEqual(['Script', 'History']);
  });
});
