import MarkdownIt from 'markdown-it';

/** A top-level ATX heading (`# Title`), positions 1-based. */
export interface HeadingBlock {
  kind: 'heading';
  level: number;
  title: string;
  line: number;
}

/** A fenced code block (backticks or tildes, any length), positions 1-based and inclusive. */
export interface FenceBlock {
  kind: 'fence';
  /** First word of the info string, lower-cased (`sh`, `yaml`, ...), or `''`. */
  language: string;
  content: string;
  /** Line of the opening fence. */
  line: number;
  /** Line of the closing fence (or the last line when the fence is never closed). */
  endLine: number;
  /** Line of the first content line. */
  contentLine: number;
}

/**
 * Something that looks like a heading but is not a top-level ATX heading: a setext heading, a
 * heading nested in a list or quote, or a paragraph line starting with `#` (`#Title`).
 */
export interface LooseHeadingBlock {
  kind: 'loose-heading';
  title: string;
  line: number;
}

/** A markdown block the runbook parser cares about. */
export type MarkdownBlock = HeadingBlock | FenceBlock | LooseHeadingBlock;

/** Block-level CommonMark tokenizer: inline parsing is switched off, it is not needed here. */
const tokenizer = new MarkdownIt('commonmark');
tokenizer.core.ruler.disable(['inline', 'text_join'], true);

/** What callers read of a block token (markdown-it's own type stays out of the public types). */
export interface BlockToken {
  type: string;
  level: number;
  /** First line and the line after the last, 0-based. */
  map: [number, number] | null;
  markup: string;
}

/** The block-level CommonMark tokens of `text`, in document order. */
export function blockTokens(text: string): BlockToken[] {
  return tokenizer.parse(text, {});
}

const HASH_LINE = /^\s*#+(.*)$/;

/**
 * Tokenizes normalized markdown into headings (top level, ATX only), fences (at any depth,
 * e.g. inside list items) and loose headings (see {@link LooseHeadingBlock}), in document order.
 */
export function scanMarkdownBlocks(text: string): MarkdownBlock[] {
  const tokens = tokenizer.parse(text, {});
  const blocks: MarkdownBlock[] = [];
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index];
    if (!token?.map) continue;
    if (token.type === 'heading_open' && token.level === 0 && token.markup.startsWith('#')) {
      const title = tokens[index + 1]?.content.trim() ?? '';
      blocks.push({ kind: 'heading', level: token.markup.length, title, line: token.map[0] + 1 });
    } else if (token.type === 'heading_open') {
      const title = tokens[index + 1]?.content.trim() ?? '';
      blocks.push({ kind: 'loose-heading', title, line: token.map[0] + 1 });
    } else if (token.type === 'paragraph_open') {
      const lines = tokens[index + 1]?.content.split('\n') ?? [];
      lines.forEach((text, offset) => {
        const hashed = HASH_LINE.exec(text);
        if (hashed) {
          const title = (hashed[1] ?? '').trim();
          blocks.push({ kind: 'loose-heading', title, line: (token.map?.[0] ?? 0) + 1 + offset });
        }
      });
    } else if (token.type === 'fence') {
      const language = token.info.trim().split(/\s+/)[0]?.toLowerCase() ?? '';
      blocks.push({
        kind: 'fence',
        language,
        content: token.content,
        line: token.map[0] + 1,
        endLine: token.map[1],
        contentLine: token.map[0] + 2,
      });
    }
  }
  return blocks;
}
