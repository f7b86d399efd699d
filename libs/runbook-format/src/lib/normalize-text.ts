/** Removes a leading UTF-8 byte-order mark and turns `\r\n` and lone `\r` into `\n`. */
export function normalizeText(text: string): string {
  const withoutBom = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return withoutBom.replace(/\r\n?/g, '\n');
}
