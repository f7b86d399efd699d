/** Samples of a Prometheus text exposition: sample name → label sets of its series. */
export type Exposition = Map<string, Array<Record<string, string>>>;

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const pattern = /([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
  for (const match of text.matchAll(pattern)) {
    const [, name, raw] = match;
    if (name === undefined || raw === undefined) continue;
    labels[name] = raw.replace(/\\(.)/g, (_, ch: string) => (ch === 'n' ? '\n' : ch));
  }
  return labels;
}

/** Parses `/metrics` output (text format 0.0.4) into sample names and their label sets. */
export function parseExposition(text: string): Exposition {
  const samples: Exposition = new Map();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([A-Za-z_:][A-Za-z0-9_:]*)(\{(.*)\})?\s+\S+/.exec(line);
    if (!match?.[1]) throw new Error(`Not an exposition line: ${line}`);
    const labels = match[3] ? parseLabels(match[3]) : {};
    const list = samples.get(match[1]) ?? [];
    list.push(labels);
    samples.set(match[1], list);
  }
  return samples;
}
