// Child process of markdown-history.spec.ts: appends `count` entries to `file` all at once
// (Promise.all), each tagged `<tag>-<n>`, with a body large enough that a torn write would show.
import { MarkdownHistory } from '../src/lib/markdown-history';

export function historyEntry(tag: string): string {
  const body = `${tag} `.repeat(400);
  return `\n### 2026-03-01T12:00:00.000Z | Exit Code: 0\n\n**Stdout:**\n\`\`\`\nBEGIN ${tag}\n${body}\nEND ${tag}\n\`\`\`\n\n`;
}

async function main(): Promise<void> {
  const [file, tag, countText, entryBytesText] = process.argv.slice(2);
  if (file === undefined || tag === undefined)
    throw new Error('usage: append-worker <file> <tag> <count> [bytes]');
  const history = new MarkdownHistory({ timeoutMs: 60_000 });
  if (entryBytesText !== undefined) {
    // Crash test: one huge entry, announced on stdout right before appending.
    process.stdout.write('appending\n');
    await history.append(file, `\n### HUGE ${tag}\n${'h'.repeat(Number(entryBytesText))}\n`);
    return;
  }
  const count = Number(countText ?? '1');
  await Promise.all(
    Array.from({ length: count }, (_, index) =>
      history.append(file, historyEntry(`${tag}-${index}`)),
    ),
  );
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(String(error instanceof Error ? error.stack : error));
    process.exitCode = 1;
  });
}
