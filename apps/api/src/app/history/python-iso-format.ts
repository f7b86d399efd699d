/** Python's `datetime.isoformat()` for a UTC instant: microseconds and `+00:00`. */
export function pythonIsoFormat(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000+00:00');
}
