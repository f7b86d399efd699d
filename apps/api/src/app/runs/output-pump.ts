import { LineSplitter } from './line-splitter';
import type { RunOutputWriter } from './run-output-writer';

/** A partial line is sent after this much quiet, so progress without newlines still streams. */
const PARTIAL_LINE_FLUSH_MS = 150;

/** One event of the executor's stream, as far as output goes. */
interface OutputEvent {
  type: string;
  data?: string;
}

/**
 * Moves a script's output into the run's writer line by line, until the script's streams end; a
 * partial line that stays quiet for a moment is sent as it is.
 */
export async function pumpOutput(
  events: AsyncIterable<OutputEvent>,
  writer: RunOutputWriter,
): Promise<void> {
  const splitters = { stdout: new LineSplitter(), stderr: new LineSplitter() };
  let quietTimer: NodeJS.Timeout | null = null;
  const flushPartials = () => {
    for (const stream of ['stdout', 'stderr'] as const)
      for (const line of splitters[stream].flush()) writer.add(stream, line);
  };
  for await (const event of events) {
    if ((event.type === 'stdout' || event.type === 'stderr') && event.data !== undefined) {
      const stream = event.type;
      for (const line of splitters[stream].push(event.data)) writer.add(stream, line);
      if (quietTimer) clearTimeout(quietTimer);
      quietTimer =
        splitters.stdout.hasPartial || splitters.stderr.hasPartial
          ? setTimeout(flushPartials, PARTIAL_LINE_FLUSH_MS)
          : null;
    }
  }
  if (quietTimer) clearTimeout(quietTimer);
  flushPartials();
}
