/**
 * Runs `task` every `intervalMs` on this replica without keeping the process alive, reporting a
 * failed run to `onError` (the next run is the retry). Returns the function that stops it.
 */
export function runPeriodically(
  intervalMs: number,
  task: () => Promise<unknown>,
  onError: (e: Error) => void,
): () => void {
  const timer = setInterval(() => {
    task().catch(onError);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
