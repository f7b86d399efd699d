import { closeOpenHistoryBlocks } from './history-block-closer';

const HEAD = '# Deploy\n\n# Script\n```sh\necho hi\n```\n\n# History\n';
const ENTRY = '\n### 2026-01-01T00:00:00.000Z | Exit Code: 0\n\n';

describe('closeOpenHistoryBlocks', () => {
  it('checks a whole runbook as the parser reads it', () => {
    expect(closeOpenHistoryBlocks(`${HEAD}${ENTRY}`, false)).toBe('');
    expect(closeOpenHistoryBlocks(`${HEAD}<!--\n`, false)).toBe('-->\n');
  });

  it('reads the end of a large runbook from its first entry heading', () => {
    // The cut landed inside an entry's fence: what comes before the first heading is skipped.
    const partial = `output line\n\`\`\`\n${ENTRY}<!-- left open\n`;
    expect(closeOpenHistoryBlocks(partial, true)).toBe('-->\n');
    expect(closeOpenHistoryBlocks(`output\n\`\`\`\n${ENTRY}`, true)).toBe('');
  });
});
