/**
 * The undo log of one reload batch: every change a batch makes to cells,
 * prototypes, statics and data registers how to revert it, in order.
 * Reverting runs the entries newest first, so a value changed twice ends
 * at its value from before the batch.
 */
export class UndoLog {
  readonly #entries: (() => void)[] = [];

  /** Records how to revert a change that has just been made. */
  push(revert: () => void): void {
    this.#entries.push(revert);
  }

  get size(): number {
    return this.#entries.length;
  }

  /**
   * Reverts every recorded change, newest first. A revert that throws does not
   * stop the others; the errors are returned so the caller can report them.
   */
  revert(): unknown[] {
    const errors: unknown[] = [];
    for (let i = this.#entries.length - 1; i >= 0; i--) {
      try {
        this.#entries[i]();
      } catch (error) {
        errors.push(error);
      }
    }
    this.#entries.length = 0;
    return errors;
  }
}

/** Changes outside a reload batch (the first load of a module) are not undoable. */
export const NO_UNDO: Pick<UndoLog, 'push'> = { push() {} };
