import { diagnostic, type Diagnostic } from './diagnostic';
import type { FenceBlock, HeadingBlock, MarkdownBlock } from './markdown-blocks';
import { SECTION_TITLES, type SectionRange } from './runbook';

/** The name heading (if the file starts with one) and the H1 sections after it. */
export interface SectionLayout {
  nameHeading: HeadingBlock | null;
  sections: SectionRange[];
  fences: FenceBlock[];
}

/** Splits a runbook into its H1 sections; line 1 holds the name when it is an H1. */
export function layoutSections(blocks: MarkdownBlock[], lines: string[]): SectionLayout {
  const headings = blocks.filter((b): b is HeadingBlock => b.kind === 'heading' && b.level === 1);
  const fences = blocks.filter((b): b is FenceBlock => b.kind === 'fence');
  const nameHeading = headings[0]?.line === 1 ? headings[0] : null;
  const sectionHeadings = nameHeading ? headings.slice(1) : headings;
  const sections = sectionHeadings.map((heading, index): SectionRange => {
    const endLine = (sectionHeadings[index + 1]?.line ?? lines.length + 1) - 1;
    const body = lines.slice(heading.line, endLine);
    return {
      title: heading.title,
      headingLine: heading.line,
      startLine: heading.line + 1,
      endLine,
      isEmpty: body.every((line) => line.trim() === ''),
    };
  });
  return { nameHeading, sections, fences };
}

/** First section with this title (the reference also takes the first occurrence). */
export function findSection(sections: SectionRange[], title: string): SectionRange | undefined {
  return sections.find((section) => section.title === title);
}

/** First section with this title that holds something other than whitespace. */
export function findContentSection(
  sections: SectionRange[],
  title: string,
): SectionRange | undefined {
  const section = findSection(sections, title);
  return section && !section.isEmpty ? section : undefined;
}

/** Fences that open inside a section. */
export function fencesIn(section: SectionRange, fences: FenceBlock[]): FenceBlock[] {
  return fences.filter((f) => f.line > section.headingLine && f.line <= section.endLine);
}

/**
 * Sections written more than once. Only the first is used; that is an error (the runbook is
 * invalid) when the section is Required Claims or Approval, or when one of the copies is empty (which copy
 * was meant is unclear), else a warning.
 */
export function checkDuplicateSections(sections: SectionRange[]): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const section of sections) {
    if (seen.has(section.title)) {
      const copies = sections.filter((other) => other.title === section.title);
      const isAmbiguous =
        section.title === SECTION_TITLES.claims ||
        section.title === SECTION_TITLES.approval ||
        section.title === SECTION_TITLES.schedule ||
        (copies.some((copy) => copy.isEmpty) && copies.some((copy) => !copy.isEmpty));
      diagnostics.push(
        diagnostic(
          'SECTION_DUPLICATE',
          isAmbiguous ? 'error' : 'warning',
          isAmbiguous
            ? `Section '${section.title}' appears more than once: keep exactly one`
            : `Section '${section.title}' appears more than once; only the first one is used`,
          section.headingLine,
        ),
      );
    }
    seen.add(section.title);
  }
  return diagnostics;
}

/** Problems with the section layout: duplicates, and a History that is not last. */
export function checkSectionLayout(sections: SectionRange[]): Diagnostic[] {
  const diagnostics = checkDuplicateSections(sections);
  const history = findSection(sections, SECTION_TITLES.history);
  const last = sections[sections.length - 1];
  if (history && last && last !== history) {
    diagnostics.push(
      diagnostic(
        'HISTORY_NOT_LAST',
        'warning',
        'History must be the last section: run entries are appended at the end of the file',
        history.headingLine,
      ),
    );
  }
  return diagnostics;
}
