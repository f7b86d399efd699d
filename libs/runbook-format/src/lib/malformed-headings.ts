import { diagnostic, type Diagnostic } from './diagnostic';
import type { MarkdownBlock } from './markdown-blocks';
import { SECTION_TITLES, type MalformedHeading } from './runbook';

const KNOWN_TITLES: readonly string[] = Object.values(SECTION_TITLES);

/** Titles at least this long (normalized) also match with up to two typos. */
const FUZZY_MIN_LENGTH = 10;
const FUZZY_MAX_DISTANCE = 2;

/**
 * A title reduced to what a reader sees as its words: compatibility-normalized, lower-cased,
 * everything but letters and digits removed (spaces, NBSP, zero-width characters, `#`, `:`).
 */
export function headingKey(title: string): string {
  return title
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, '');
}

/** The section title a heading was meant to be, when it is close enough to one, else null. */
export function resembledSection(title: string): string | null {
  const key = headingKey(title);
  if (key === '') return null;
  for (const known of KNOWN_TITLES) {
    const knownKey = headingKey(known);
    if (key === knownKey) return known;
    if (knownKey.length >= FUZZY_MIN_LENGTH && isWithinDistance(key, knownKey)) return known;
  }
  return null;
}

/**
 * Headings that look like one of the runbook's sections but are not written `# <Title>` as a
 * top-level ATX H1: another level, a setext heading, a heading nested in a list or quote, a
 * `#Title` paragraph, a different case, punctuation or invisible characters, or a small typo.
 * The name heading on line 1 is never one.
 */
export function findMalformedHeadings(
  blocks: readonly MarkdownBlock[],
  nameLine: number | null,
): MalformedHeading[] {
  const found: MalformedHeading[] = [];
  for (const block of blocks) {
    if (block.kind === 'fence' || block.line === nameLine) continue;
    const isExactSection =
      block.kind === 'heading' && block.level === 1 && KNOWN_TITLES.includes(block.title);
    if (isExactSection) continue;
    const resembles = resembledSection(block.title);
    if (resembles !== null) found.push({ title: block.title, resembles, line: block.line });
  }
  return found;
}

/** The validation error of a malformed heading. */
export function malformedHeadingDiagnostic(heading: MalformedHeading): Diagnostic {
  return diagnostic(
    'SECTION_HEADING_MALFORMED',
    'error',
    `Heading '${heading.title}' looks like the '${heading.resembles}' section: write it exactly '# ${heading.resembles}' (a top-level H1)`,
    heading.line,
  );
}

/** Levenshtein distance of at most {@link FUZZY_MAX_DISTANCE}, with an early exit. */
function isWithinDistance(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > FUZZY_MAX_DISTANCE) return false;
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + cost,
      );
      current.push(value);
      rowMin = Math.min(rowMin, value);
    }
    if (rowMin > FUZZY_MAX_DISTANCE) return false;
    previous = current;
  }
  return (previous[b.length] ?? Infinity) <= FUZZY_MAX_DISTANCE;
}
