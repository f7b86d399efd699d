import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { parseRunbook, validateRunbook } from '../src/index';

const samplesDir = join(__dirname, '..', '..', '..', 'samples', 'runbooks');
const samples = existsSync(samplesDir)
  ? readdirSync(samplesDir).filter((f) => f.endsWith('.md'))
  : [];

describe('samples/runbooks', () => {
  it('holds the sample runbooks', () => {
    expect(samples).toEqual(
      expect.arrayContaining(['SimpleRunbook.md', 'ParentRunbook.md', 'Runbook.md']),
    );
  });

  it.each(samples)('%s parses without errors', (file) => {
    const { runbook, diagnostics } = parseRunbook(readFileSync(join(samplesDir, file), 'utf8'), {
      filename: file,
    });
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(runbook.name).not.toBeNull();
  });

  it.each(samples)('%s passes its own name check (H1 = file name)', (file) => {
    const { runbook } = parseRunbook(readFileSync(join(samplesDir, file), 'utf8'), {
      filename: file,
    });
    const mismatch = validateRunbook(runbook, {}).diagnostics.filter(
      (d) => d.code === 'NAME_MISMATCH',
    );
    expect(mismatch).toEqual([]);
  });
});
