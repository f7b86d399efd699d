import { EventEmitter } from 'node:events';

import { PromptAborted, readLine, type PromptInput } from './terminal-prompt';

/** A terminal's input side that records raw mode and lets the test type. */
class FakeTerminal extends EventEmitter implements PromptInput {
  readonly isTTY = true;
  rawModes: boolean[] = [];
  setRawMode(mode: boolean): void {
    this.rawModes.push(mode);
  }
  paused = true;
  setEncoding(): void {
    this.paused = this.paused && true;
  }
  resume(): void {
    this.paused = false;
  }
  pause(): void {
    this.paused = true;
  }
  type(text: string): void {
    this.emit('data', text);
  }
}

describe('readLine', () => {
  it('echoes visible input, handles backspace, and restores the terminal', async () => {
    const input = new FakeTerminal();
    let shown = '';
    const answer = readLine(input, { write: (text: string) => (shown += text) }, 'Name: ', false);
    input.type('stagx\u007fing\r');
    await expect(answer).resolves.toBe('staging');
    expect(shown).toBe('Name: stagx\b \bing\n');
    expect(input.rawModes).toEqual([true, false]);
    expect(input.listenerCount('data')).toBe(0);
    expect(input.paused).toBe(true);
  });

  it('never echoes hidden input', async () => {
    const input = new FakeTerminal();
    let shown = '';
    const answer = readLine(input, { write: (text: string) => (shown += text) }, 'Secret: ', true);
    input.type('hunter');
    input.type('22\u007f2\n');
    await expect(answer).resolves.toBe('hunter22');
    expect(shown).toBe('Secret: \n');
  });

  it('rejects on Ctrl-C', async () => {
    const input = new FakeTerminal();
    const answer = readLine(input, { write: () => undefined }, 'Q: ', true);
    input.type('abc\u0003');
    await expect(answer).rejects.toBeInstanceOf(PromptAborted);
  });
});
