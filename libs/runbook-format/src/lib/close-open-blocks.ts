import { blockTokens } from './markdown-blocks';
import { normalizeText } from './normalize-text';

/** An HTML block kind that ends at a line containing a marker (CommonMark HTML blocks 1-5). */
interface MarkedHtmlBlock {
  start: RegExp;
  end: RegExp;
  closer: (firstLine: string) => string;
}

const RAW_TAG = /^ {0,3}<(script|pre|style|textarea)(?=[\s>]|$)/i;
const MARKED_HTML_BLOCKS: readonly MarkedHtmlBlock[] = [
  {
    start: RAW_TAG,
    end: /<\/(?:script|pre|style|textarea)>/i,
    closer: (line) => `</${(RAW_TAG.exec(line)?.[1] ?? 'pre').toLowerCase()}>`,
  },
  { start: /^ {0,3}<!--/, end: /-->/, closer: () => '-->' },
  { start: /^ {0,3}<\?/, end: /\?>/, closer: () => '?>' },
  { start: /^ {0,3}<![A-Za-z]/, end: />/, closer: () => '>' },
  { start: /^ {0,3}<!\[CDATA\[/, end: /\]\]>/, closer: () => ']]>' },
];
const CLOSING_FENCE = /^ {0,3}(`{3,}|~{3,})[ \t]*$/;

/**
 * What must follow `text` (a runbook, as `parseRunbook` reads it) so that the next line starts
 * outside any block: `''` when nothing is open, else the lines that close an unclosed fence (a
 * fence of the same character and length), an unclosed HTML block (`-->`, `?>`, `>`, `]]>`, or
 * the raw tag's end tag), or end an HTML block that lasts until a blank line. Top-level blocks
 * only: a line that starts a History entry (`### …` at column 0 after a blank line) already ends
 * every list item and block quote. History appenders write this before an entry, so run output
 * can never add sections after History.
 */
export function closeOpenBlocks(text: string): string {
  const normalized = normalizeText(text);
  let closer = '';
  // A closed block can never reopen, so each round closes one block for good.
  for (let round = 0; round < 4; round += 1) {
    const next = closingLine(normalized + closer);
    if (next === null) return closer;
    closer += next;
  }
  return closer;
}

/** The line(s) that close the top-level block `text` ends in, or null when it ends outside one. */
function closingLine(text: string): string | null {
  const lines = text.split('\n');
  const lineCount = text.endsWith('\n') ? lines.length - 1 : lines.length;
  const newline = text === '' || text.endsWith('\n') ? '' : '\n';
  const last = blockTokens(text)
    .filter((token) => token.level === 0 && token.map !== null)
    .at(-1);
  if (!last?.map || last.map[1] < lineCount) return null;
  const [first, end] = last.map;
  const blockLines = lines.slice(first, end);
  if (last.type === 'fence') {
    const closing = CLOSING_FENCE.exec(blockLines.at(-1) ?? '')?.[1] ?? '';
    const isClosed =
      blockLines.length > 1 &&
      closing[0] === last.markup[0] &&
      closing.length >= last.markup.length;
    return isClosed ? null : `${newline}${last.markup}\n`;
  }
  if (last.type !== 'html_block') return null;
  const firstLine = blockLines[0] ?? '';
  const marked = MARKED_HTML_BLOCKS.find((kind) => kind.start.test(firstLine));
  if (marked === undefined) return `${newline}\n`;
  return blockLines.some((line) => marked.end.test(line))
    ? null
    : `${newline}${marked.closer(firstLine)}\n`;
}
