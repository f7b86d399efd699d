import { scanMarkdownBlocks } from './markdown-blocks';
import { normalizeText } from './normalize-text';
import { SECTION_TITLES } from './runbook';
import { findSection, layoutSections } from './runbook-sections';

/**
 * The runbook's text as written (line endings and all) before the line that opens its
 * `# History` section, or the whole text when it has none: what an approval is about. History
 * appends never change it, every other edit does.
 */
export function textBeforeHistory(text: string): string {
  const normalized = normalizeText(text);
  const lines = normalized.split('\n');
  const { sections } = layoutSections(scanMarkdownBlocks(normalized), lines);
  const history = findSection(sections, SECTION_TITLES.history);
  if (!history) return text;
  // Raw lines with their own terminators, so the cut keeps the bytes exactly as written.
  const rawLines = text.match(/[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$/g) ?? [];
  return rawLines.slice(0, history.headingLine - 1).join('');
}
