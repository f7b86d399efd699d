import type { TerminalStyle } from './terminal-style';

/** A run status (RunStatus, or `-`) coloured by outcome (green success, red failures, yellow in progress). */
export function styleStatus(status: string, style: TerminalStyle): string {
  switch (status) {
    case 'success':
      return style.green(status);
    case 'failure':
    case 'timeout':
    case 'lost':
    case 'denied':
      return style.red(status);
    case 'canceled':
    case 'skipped':
      return style.magenta(status);
    case 'queued':
    case 'running':
      return style.yellow(status);
    default:
      return status;
  }
}
