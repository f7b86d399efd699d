import { isValidEnvName } from '@runbooks/executor';
import { CliError } from './cli-error';

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\', $: '$' };

/**
 * Parses a dotenv file: `NAME=value` lines, optional `export `, `#` comments and blank lines,
 * values unquoted (trailing ` # comment` removed, trimmed), single-quoted (literal) or
 * double-quoted (`\n`, `\t`, `\"`, `\\` escapes; may span lines). No variable expansion.
 * Throws a usage error naming `file:line` for anything else.
 */
export function parseEnvFile(text: string, file: string): Record<string, string> {
  const result: Record<string, string> = {};
  const lines = text.replace(/^\ufeff/, '').split(/\r\n|\n|\r/);
  for (let index = 0; index < lines.length; index++) {
    const lineNumber = index + 1;
    const fail = (message: string): never => {
      throw new CliError('USAGE', `${file}:${lineNumber}: ${message}`);
    };
    const line = (lines[index] ?? '').trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(?:export\s+)?([^=\s]+)\s*=\s*(.*)$/.exec(line);
    if (!match) fail('expected NAME=value');
    const name = match?.[1] ?? '';
    let rest = match?.[2] ?? '';
    if (!isValidEnvName(name)) fail(`'${name}' is not a valid variable name`);
    let value: string;
    if (rest.startsWith("'")) {
      const end = rest.indexOf("'", 1);
      if (end === -1) fail('unterminated single-quoted value');
      value = rest.slice(1, end);
      checkTrailing(rest.slice(end + 1), fail);
    } else if (rest.startsWith('"')) {
      // A double-quoted value may continue on the following lines.
      let body = rest.slice(1);
      let closing = findClosingQuote(body);
      while (closing === -1 && index + 1 < lines.length) {
        index++;
        body += `\n${lines[index] ?? ''}`;
        closing = findClosingQuote(body);
      }
      if (closing === -1) fail('unterminated double-quoted value');
      value = body.slice(0, closing).replace(/\\(.)/g, (all, char: string) => ESCAPES[char] ?? all);
      checkTrailing(body.slice(closing + 1), fail);
    } else {
      const comment = rest.search(/\s#/);
      if (comment !== -1) rest = rest.slice(0, comment);
      value = rest.trim();
    }
    result[name] = value;
  }
  return result;
}

function findClosingQuote(body: string): number {
  for (let index = 0; index < body.length; index++) {
    if (body[index] === '\\') index++;
    else if (body[index] === '"') return index;
  }
  return -1;
}

function checkTrailing(rest: string, fail: (message: string) => never): void {
  const trimmed = rest.trim();
  if (trimmed !== '' && !trimmed.startsWith('#')) fail('unexpected text after the quoted value');
}
