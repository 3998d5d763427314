/**
 * When `hot check` may start: the app has finished starting.
 *
 * - `idle`: a hot module has loaded, none has loaded for the first time for {@link QUIET_MS}, and the event
 *   loop was busy less than half of the last {@link WINDOW_MS} (the app is not still working
 *   through its start). An app whose start waits on something slow (a database) says so with
 *   `ready()` or a line on its stdout instead.
 * - `call`: the app called the runtime's `ready()`.
 * - `now`: at once (the CLI saw the `--ready-line` itself).
 */
import type { ReadyMode } from './protocol.js';

const QUIET_MS = 300;
const WINDOW_MS = 100;
const BUSY_LIMIT = 0.5;

/** What readiness is read from (the hub, passed in by the loader). */
export interface ReadySource {
  /** performance.now() of the last first load of a hot module (0: none yet). */
  lastLoad(): number;
  /** performance.now() of the app's `ready()` call, or null. */
  readyAt(): number | null;
  /** Calls `listener` once at the app's `ready()` call. */
  onReady(listener: () => void): void;
}

export function whenReady(mode: ReadyMode, source: ReadySource): Promise<void> {
  if (mode === 'now') return Promise.resolve();
  if (mode === 'call') {
    if (source.readyAt() !== null) return Promise.resolve();
    return new Promise((resolve) => source.onReady(resolve));
  }
  const { eventLoopUtilization } = process.getBuiltinModule('node:perf_hooks').performance;
  return new Promise((resolve) => {
    let last = eventLoopUtilization();
    const poll = () => {
      const now = eventLoopUtilization();
      const busy = eventLoopUtilization(now, last).utilization;
      last = now;
      // Nothing loaded yet: the entry is still on its way (a slow start, a busy machine).
      const lastLoad = source.lastLoad();
      if (lastLoad > 0 && performance.now() - lastLoad >= QUIET_MS && busy < BUSY_LIMIT) resolve();
      else setTimeout(poll, WINDOW_MS);
    };
    setTimeout(poll, WINDOW_MS);
  });
}
