import { CapturedStream } from '../testing/captured-io';
import { Spinner } from './spinner';

describe('Spinner', () => {
  it('draws nothing off a terminal', () => {
    const stream = new CapturedStream(false);
    const spinner = new Spinner(stream, 'Waiting').start();
    spinner.update('Still waiting');
    spinner.stop();
    expect(spinner.isEnabled).toBe(false);
    expect(stream.text).toBe('');
  });

  it('draws in place on a terminal and erases its line on stop', () => {
    const stream = new CapturedStream(true, 20);
    const spinner = new Spinner(stream, 'Waiting for the run to start', 5).start();
    spinner.update('Next');
    spinner.stop();
    spinner.stop();
    expect(stream.text.startsWith('\r\u001b[2K⠋ Waiting for the r')).toBe(true);
    expect(stream.text).toContain('\r\u001b[2K⠙');
    expect(stream.text).toContain(' Next');
    expect(stream.text.endsWith('\r\u001b[2K')).toBe(true);
  });
});

describe('Spinner on a terminal without a size', () => {
  it('assumes 80 columns', () => {
    const stream = new CapturedStream(true, 0);
    const spinner = new Spinner(stream, 'Starting SimpleRunbook.md…').start();
    spinner.stop();
    expect(stream.text).toContain('⠋ Starting SimpleRunbook.md…');
  });
});
