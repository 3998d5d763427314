/**
 * The undo log of one reload batch: every change a batch makes to cells,
 * prototypes, statics and data registers how to revert it, in order.
 * Reverting runs the entries newest first, so a value changed twice ends
 * at its value from before the batch.
 *
 * Only the batch's own changes are logged. Code outside the batch keeps running while it is
 * open (a new version awaits at its top level, or Node 20's hooks thread hands the event
 * loop back), and its writes to kept data are the game's, not the batch's: `batchWriting` tells
 * the two apart by async context, so reverting never loses them.
 */
const { AsyncLocalStorage } = process.getBuiltinModule('node:async_hooks');

/** Why a batch's changes are reverted: its evaluation failed, or `rollback()` asked for it. */
export type RevertMode = 'failed' | 'rollback';

/** An entry reverts one change; a string it returns is a warning for the report (a value it overwrote). */
export type Revert = (mode: RevertMode) => unknown;

export class UndoLog {
  readonly #entries: Revert[] = [];
  /** Set when the batch commits or fails: later writes are no longer the batch's. */
  closed = false;

  /** Records how to revert a change that has just been made. */
  push(revert: Revert): void {
    this.#entries.push(revert);
  }

  /**
   * Forgets every entry without reverting it: the batch can no longer be undone, and what its
   * entries hold (the values it replaced) can be collected. Node keeps the log itself reachable
   * for good (the async context of the batch's module jobs), so forgetting must empty it.
   */
  discard(): void {
    this.#entries.length = 0;
  }

  get size(): number {
    return this.#entries.length;
  }

  /**
   * Reverts every recorded change, newest first. A revert that throws does not
   * stop the others; the errors and the entries' warnings are returned for the report.
   */
  revert(mode: RevertMode): { errors: unknown[]; warnings: string[] } {
    const errors: unknown[] = [];
    const warnings: string[] = [];
    for (let i = this.#entries.length - 1; i >= 0; i--) {
      try {
        const warning = this.#entries[i](mode);
        if (typeof warning === 'string') warnings.push(warning);
      } catch (error) {
        errors.push(error);
      }
    }
    this.#entries.length = 0;
    return { errors, warnings };
  }
}

/** Changes outside a reload batch (the first load of a module) are not undoable. */
export const NO_UNDO: Pick<UndoLog, 'push'> = { push() {} };

/** The undo log of the batch whose evaluation is running, in the async context of everything it evaluates. */
export const batchContext = new AsyncLocalStorage<UndoLog>();

/** How many batch evaluations are running (at most one): outside them no write is a batch's. */
let evaluating = 0;

/** Runs a batch's evaluation in its async context. */
export async function evaluateIn<T>(undo: UndoLog, evaluate: () => Promise<T>): Promise<T> {
  evaluating++;
  try {
    return await batchContext.run(undo, evaluate);
  } finally {
    evaluating--;
  }
}

/**
 * The undo log of the open batch whose evaluation is writing now, or null for the game's
 * writes. A write to a top-level binding asks on every call: `getStore()` (~7 ns) is paid only
 * while a batch evaluates.
 */
export function batchWriting(): UndoLog | null {
  if (evaluating === 0) return null;
  const undo = batchContext.getStore();
  return undo && !undo.closed ? undo : null;
}
