/**
 * `import.meta.hot`, with Vite's names where they fit.
 */
import type { HotModule, ModuleVersion } from './module.js';

/** Called with a kept value whose shape may have changed; returns the value to keep. */
export type Migration<T = unknown> = (value: T, info: { from: number; to: number }) => T;

export class HotContext {
  readonly #module: HotModule;
  readonly #version: ModuleVersion;

  constructor(module: HotModule, version: ModuleVersion) {
    this.#module = module;
    this.#version = version;
  }

  /** One object for the life of the module: hand long-lived resources (a listening server) to the next version. */
  get data(): Record<string, unknown> {
    return this.#module.data;
  }

  /** This evaluation's version number (1 for the first load). */
  get version(): number {
    return this.#version.version;
  }

  /**
   * Runs `callback(data)` when a later version of this module commits (after it
   * evaluated, so a failed reload never loses what the callback would release).
   */
  dispose(callback: (data: Record<string, unknown>) => void): void {
    if (typeof callback !== 'function') throw new TypeError(`import.meta.hot.dispose() takes a function, got ${typeof callback}`);
    this.#version.disposers.push({ callback, statement: this.#version.activeStatement });
  }

  /**
   * Every hot module accepts its own updates already. With a callback, it runs
   * with the new version's namespace when a later version commits.
   */
  accept(callback?: (namespace: unknown) => void): void {
    if (callback === undefined) return;
    if (typeof callback !== 'function') throw new TypeError(`import.meta.hot.accept() takes a function or nothing, got ${typeof callback}`);
    this.#version.acceptors.push({ callback, statement: this.#version.activeStatement });
  }

  /** Reloading this module fails with ERR_HOT_DECLINED (restart the process to load new code). */
  decline(): void {
    this.#version.declined = true;
  }

  /**
   * Migrates a kept data binding of this module whose shape changed (Erlang's code_change).
   * When a reload keeps `binding`, `migration(oldValue, { from, to })` runs before the batch
   * commits and its result becomes the binding's value in every version. A migration that
   * throws fails the batch; return a new value rather than mutating so a failed batch can be undone.
   */
  migrate<T>(binding: string, migration: Migration<T>): void {
    if (typeof binding !== 'string') throw new TypeError(`import.meta.hot.migrate() takes a binding name first, got ${typeof binding}`);
    if (typeof migration !== 'function') throw new TypeError(`import.meta.hot.migrate('${binding}', …) takes a function, got ${typeof migration}`);
    this.#version.migrations.set(binding, migration as Migration);
  }
}
