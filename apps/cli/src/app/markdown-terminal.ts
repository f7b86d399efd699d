import MarkdownIt from 'markdown-it';

import { renderTable } from './text-table';
import { visibleWidth, type TerminalStyle } from './terminal-style';

type Token = MarkdownIt.Token;

const markdown = new MarkdownIt({ html: false, linkify: false });

/**
 * Renders markdown for a terminal: headings emphasised, paragraphs wrapped to `width`, lists with
 * bullets or numbers, quotes with a bar, code blocks indented (and cyan), tables aligned, links
 * followed by their URL. Plain text when the style is off.
 */
export function renderMarkdown(text: string, style: TerminalStyle, width: number): string {
  const renderer = new TerminalRenderer(style, Math.max(20, width));
  renderer.render(markdown.parse(text, {}));
  return renderer.output();
}

interface ListState {
  ordered: boolean;
  next: number;
}

class TerminalRenderer {
  private readonly lines: string[] = [];
  private readonly prefixes: string[] = [];
  private readonly lists: ListState[] = [];
  private marker: string | null = null;
  private headingLevel = 0;
  private titles = 0;
  private table: { rows: string[][]; row: string[] } | null = null;

  constructor(
    private readonly style: TerminalStyle,
    private readonly width: number,
  ) {}

  output(): string {
    while (this.lines.length > 0 && this.lines[this.lines.length - 1] === '') this.lines.pop();
    return this.lines.length === 0 ? '' : `${this.lines.join('\n')}\n`;
  }

  render(tokens: Token[]): void {
    for (const token of tokens) this.renderToken(token);
  }

  private renderToken(token: Token): void {
    switch (token.type) {
      case 'heading_open':
        this.headingLevel = Number(token.tag.slice(1));
        break;
      case 'heading_close':
        this.headingLevel = 0;
        this.blank();
        break;
      case 'paragraph_close':
        if (!token.hidden) this.blank();
        break;
      case 'bullet_list_open':
      case 'ordered_list_open':
        this.lists.push({
          ordered: token.type === 'ordered_list_open',
          next: Number(token.attrGet('start') ?? 1),
        });
        break;
      case 'bullet_list_close':
      case 'ordered_list_close':
        this.lists.pop();
        if (this.lists.length === 0) this.blank();
        break;
      case 'list_item_open': {
        const list = this.lists[this.lists.length - 1];
        const marker = list?.ordered ? `${list.next++}. ` : '• ';
        this.marker = marker;
        this.prefixes.push(' '.repeat(marker.length));
        break;
      }
      case 'list_item_close':
        this.prefixes.pop();
        this.marker = null;
        break;
      case 'blockquote_open':
        this.prefixes.push(this.style.dim('│ '));
        break;
      case 'blockquote_close':
        this.prefixes.pop();
        this.blank();
        break;
      case 'inline':
        if (this.table) {
          this.table.row.push(this.inline(token.children ?? []));
        } else {
          this.inlineBlock(token);
        }
        break;
      case 'fence':
      case 'code_block':
        this.code(token.content);
        break;
      case 'hr':
        this.emit(this.style.dim('─'.repeat(Math.min(this.width - this.prefixWidth(), 60))));
        this.blank();
        break;
      case 'html_block':
        for (const line of token.content.replace(/\n$/, '').split('\n')) this.emit(line);
        this.blank();
        break;
      case 'table_open':
        this.table = { rows: [], row: [] };
        break;
      case 'tr_close':
        if (this.table) {
          this.table.rows.push(this.table.row);
          this.table.row = [];
        }
        break;
      case 'table_close':
        if (this.table) {
          const [header = [], ...rows] = this.table.rows;
          this.table = null;
          const rendered = renderTable(header, rows, this.style, {
            maxWidth: this.width - this.prefixWidth(),
          });
          for (const line of rendered.replace(/\n$/, '').split('\n')) this.emit(line);
          this.blank();
        }
        break;
      default:
        break;
    }
  }

  private inlineBlock(token: Token): void {
    let text = this.inline(token.children ?? []);
    if (this.headingLevel === 1) {
      // The first H1 is the runbook's name; later ones are its sections.
      const rule = this.titles++ === 0 ? '═' : '─';
      const underline = rule.repeat(Math.min(visibleWidth(text), this.width - this.prefixWidth()));
      this.wrap(this.style.bold(text));
      this.emit(this.style.dim(underline));
      return;
    }
    if (this.headingLevel === 2) text = this.style.bold(this.style.underline(text));
    else if (this.headingLevel > 2) text = this.style.bold(text);
    this.wrap(text);
  }

  private code(content: string): void {
    const body = content.replace(/\n$/, '');
    for (const line of body.split('\n')) this.emit(`    ${this.style.cyan(line)}`);
    this.blank();
  }

  /** Renders inline tokens to one styled string (`\n` for hard breaks). */
  private inline(children: Token[]): string {
    const stack: { text: string; close: (text: string) => string }[] = [
      { text: '', close: (text) => text },
    ];
    const append = (text: string): void => {
      const top = stack[stack.length - 1];
      if (top) top.text += text;
    };
    for (const child of children) {
      switch (child.type) {
        case 'text':
          append(child.content);
          break;
        case 'code_inline':
          append(this.style.cyan(this.style.enabled ? child.content : `\`${child.content}\``));
          break;
        case 'softbreak':
          append(' ');
          break;
        case 'hardbreak':
          append('\n');
          break;
        case 'strong_open':
          stack.push({ text: '', close: (text) => this.style.bold(text) });
          break;
        case 'em_open':
          stack.push({ text: '', close: (text) => this.style.italic(text) });
          break;
        case 's_open':
          stack.push({ text: '', close: (text) => this.style.dim(text) });
          break;
        case 'link_open': {
          const href = child.attrGet('href') ?? '';
          stack.push({
            text: '',
            close: (text) =>
              this.style.underline(text) +
              (href && href !== text ? this.style.dim(` (${href})`) : ''),
          });
          break;
        }
        case 'strong_close':
        case 'em_close':
        case 's_close':
        case 'link_close': {
          const done = stack.length > 1 ? stack.pop() : undefined;
          if (done) append(done.close(done.text));
          break;
        }
        case 'image':
          append(this.style.dim(`[image: ${child.content || child.attrGet('src') || ''}]`));
          break;
        case 'html_inline':
          append(child.content);
          break;
        default:
          append(child.content);
          break;
      }
    }
    while (stack.length > 1) {
      const done = stack.pop();
      if (done) append(done.close(done.text));
    }
    return stack[0]?.text ?? '';
  }

  private prefixWidth(): number {
    return this.prefixes.reduce((sum, prefix) => sum + visibleWidth(prefix), 0);
  }

  /** Word-wraps styled text into the available width. */
  private wrap(text: string): void {
    const available = Math.max(10, this.width - this.prefixWidth());
    for (const paragraphLine of text.split('\n')) {
      let line = '';
      for (const word of paragraphLine.split(' ')) {
        if (line !== '' && visibleWidth(line) + 1 + visibleWidth(word) > available) {
          this.emit(line);
          line = word;
        } else {
          line = line === '' ? word : `${line} ${word}`;
        }
      }
      this.emit(line);
    }
  }

  private emit(line: string): void {
    let prefix = this.prefixes.join('');
    if (this.marker !== null) {
      // The first line of a list item carries its bullet instead of the item's indentation.
      const last = this.prefixes[this.prefixes.length - 1] ?? '';
      prefix = this.prefixes.slice(0, -1).join('') + this.marker.padEnd(last.length);
      this.marker = null;
    }
    this.lines.push(`${prefix}${line}`.replace(/\s+$/, ''));
  }

  private blank(): void {
    if (this.lines.length > 0 && this.lines[this.lines.length - 1] !== '') this.lines.push('');
  }
}
