/** One label matcher of a PromQL selector, e.g. `status=~"5.."`. */
export interface LabelMatcher {
  label: string;
  op: '=' | '!=' | '=~' | '!~';
  value: string;
}

/** A metric selector found in a PromQL expression: `name{matchers}`. */
export interface MetricSelector {
  metric: string;
  matchers: LabelMatcher[];
}

/** Words that look like identifiers but are PromQL keywords, never metric names. */
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'atan2', 'inf', 'nan']);
/** Keywords followed by a parenthesised list of label names. */
const LABEL_LIST_KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
]);

const isIdentStart = (c: string) => /[A-Za-z_:]/.test(c);
const isIdentPart = (c: string) => /[A-Za-z0-9_:]/.test(c);

function skipSpaces(text: string, i: number): number {
  while (i < text.length && /\s/.test(text[i] ?? '')) i++;
  return i;
}

function readString(text: string, i: number): { value: string; end: number } {
  const quote = text[i];
  let value = '';
  let j = i + 1;
  while (j < text.length && text[j] !== quote) {
    if (text[j] === '\\' && j + 1 < text.length) {
      value += text[j + 1];
      j += 2;
    } else {
      value += text[j];
      j++;
    }
  }
  if (j >= text.length) throw new Error(`Unterminated string at ${i} in: ${text}`);
  return { value, end: j + 1 };
}

function skipBalanced(text: string, i: number, open: string, close: string): number {
  let depth = 0;
  for (let j = i; j < text.length; j++) {
    const c = text[j];
    if (c === '"' || c === "'") {
      j = readString(text, j).end - 1;
    } else if (c === open) depth++;
    else if (c === close) {
      depth--;
      if (depth === 0) return j + 1;
    }
  }
  throw new Error(`Unbalanced ${open}${close} at ${i} in: ${text}`);
}

function readMatchers(text: string, i: number): { matchers: LabelMatcher[]; end: number } {
  const matchers: LabelMatcher[] = [];
  let j = i + 1;
  for (;;) {
    j = skipSpaces(text, j);
    if (text[j] === '}') return { matchers, end: j + 1 };
    if (text[j] === ',') {
      j++;
      continue;
    }
    const labelMatch = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(j));
    if (!labelMatch) throw new Error(`Bad label matcher at ${j} in: ${text}`);
    const label = labelMatch[0];
    j = skipSpaces(text, j + label.length);
    const opMatch = /^(=~|!~|!=|=)/.exec(text.slice(j));
    if (!opMatch) throw new Error(`Bad matcher operator at ${j} in: ${text}`);
    const op = opMatch[0] as LabelMatcher['op'];
    j = skipSpaces(text, j + op.length);
    const { value, end } = readString(text, j);
    matchers.push({ label, op, value });
    j = end;
  }
}

/**
 * Every metric selector in a PromQL expression. Function names, aggregation keywords and their
 * label lists, ranges (`[5m]`, `[$__rate_interval]`), strings and numbers are skipped.
 */
export function metricSelectors(expr: string): MetricSelector[] {
  const selectors: MetricSelector[] = [];
  let i = 0;
  while (i < expr.length) {
    const c = expr[i] ?? '';
    if (/\s/.test(c)) {
      i++;
    } else if (c === '[') {
      i = skipBalanced(expr, i, '[', ']');
    } else if (c === '"' || c === "'") {
      i = readString(expr, i).end;
    } else if (c === '$') {
      i++;
      while (i < expr.length && isIdentPart(expr[i] ?? '')) i++;
    } else if (/[0-9.]/.test(c)) {
      while (i < expr.length && /[0-9.eE+a-z]/.test(expr[i] ?? '')) i++;
    } else if (c === '{') {
      throw new Error(`Selector without a metric name at ${i} in: ${expr}`);
    } else if (isIdentStart(c)) {
      let j = i;
      while (j < expr.length && isIdentPart(expr[j] ?? '')) j++;
      const word = expr.slice(i, j);
      const next = skipSpaces(expr, j);
      const following = /^[A-Za-z_]+/.exec(expr.slice(next))?.[0] ?? '';
      if (LABEL_LIST_KEYWORDS.has(word)) {
        i = expr[next] === '(' ? skipBalanced(expr, next, '(', ')') : next;
      } else if (
        expr[next] === '(' ||
        (LABEL_LIST_KEYWORDS.has(following) && !KEYWORDS.has(word))
      ) {
        i = next; // a function or aggregation: its arguments are scanned as usual
      } else if (KEYWORDS.has(word)) {
        i = j;
      } else if (expr[next] === '{') {
        const { matchers, end } = readMatchers(expr, next);
        selectors.push({ metric: word, matchers });
        i = end;
      } else {
        selectors.push({ metric: word, matchers: [] });
        i = j;
      }
    } else {
      i++;
    }
  }
  return selectors;
}

/** The literal alternatives of a regex made only of words joined by `|` (else null). */
export function literalAlternatives(regex: string): string[] | null {
  const parts = regex.split('|');
  return parts.every((p) => /^[A-Za-z0-9_/:-]+$/.test(p)) ? parts : null;
}
