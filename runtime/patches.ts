/**
 * What a hotfix changes: one {@link Patch} per call of the hotfix API (a function's target, a
 * class member, a data value). A patch applies and reverts symmetrically, so a failed hotfix,
 * `rollback()` and a reload that supersedes the patches of its module all go through it;
 * every path that reverts runs newest first, so each patch reverts to the state it was applied to.
 */
import { setTarget, type Cell, type HotSlot } from './cell.js';
import { GETTER, patchMember, prime, SETTER, STATIC } from './classes.js';
import type { HotModule, ModuleVersion } from './module.js';
import { updateLength } from './standin.js';
import type { RevertMode, UndoLog } from './undo.js';

/** Which hotfix made a patch: named by the reload that supersedes it. */
export interface Origin {
  /** The hotfix file, relative to the working directory when inside it. */
  name: string;
  batch: number;
}

/** Why a patch is reverted: the batch's undo log's reasons, or a reload that supersedes it. */
type PatchRevert = RevertMode | 'supersede';

/** Patches in effect, per module, oldest first: what a reload of the module supersedes. */
const activePatches = new WeakMap<HotModule, Patch[]>();

/**
 * One change a hotfix made. `apply` and `revert` are symmetric, so a rollback, a failed
 * hotfix and a superseding reload (and the undo of that) all go through them. Every path that
 * reverts runs newest first, so each patch reverts to the state it was applied to.
 */
export abstract class Patch {
  readonly module: HotModule;
  readonly origin: Origin;
  /** What it patched, in report notation (report.ts, `ModuleReport.patched`). */
  readonly label: string;
  /** Code (a function or a member) or a data value: the supersede warning says which. */
  abstract readonly kind: 'code' | 'value';

  constructor(module: HotModule, origin: Origin, label: string) {
    this.module = module;
    this.origin = origin;
    this.label = label;
  }

  apply(): void {
    this.change();
    this.activate();
  }

  /** In effect again without changing anything: a value the game wrote over was left alone. */
  activate(): void {
    let list = activePatches.get(this.module);
    if (!list) activePatches.set(this.module, (list = []));
    list.push(this);
  }

  /** Reverts the change; `undone` is false when it was left alone (a value written since). */
  revert(mode: PatchRevert): { undone: boolean; warning?: string } {
    const list = activePatches.get(this.module) ?? [];
    const at = list.lastIndexOf(this);
    if (at !== -1) list.splice(at, 1);
    return this.restore(mode);
  }

  protected abstract change(): void;
  protected abstract restore(mode: PatchRevert): { undone: boolean; warning?: string };
}

/** `fn(name, impl)`: the function cell's slot targets `impl` (stand-ins and the module's own calls read it). */
export class FunctionPatch extends Patch {
  readonly kind = 'code';
  readonly #slot: HotSlot;
  readonly #impl: Function;
  #undo: (() => void) | null = null;

  constructor(module: HotModule, origin: Origin, cell: Cell, impl: Function) {
    super(module, origin, cell.name);
    this.#slot = cell.slot as HotSlot;
    this.#impl = impl;
  }

  protected change(): void {
    this.#undo = setTarget(this.#slot, this.#impl);
    updateLength(this.#slot.s as Function, this.#impl);
  }

  protected restore(): { undone: boolean } {
    this.#undo?.();
    this.#undo = null;
    updateLength(this.#slot.s as Function, this.#slot.t as Function);
    return { undone: true };
  }
}

/** Per module version: how many member patches keep its token stale (see `patchMember`). */
const staleHolds = new WeakMap<ModuleVersion, number>();

/**
 * `method(className, member, impl)`. The patch becomes the member of the stable class (the
 * shell's prototype for instance members, the shell itself for statics), where calls,
 * subclasses and reflection find it; copies taken before the hotfix find it through the
 * class's patch table (runtime/classes.ts), which their version check consults once the
 * version's token is stale.
 */
export class MemberPatch extends Patch {
  readonly kind = 'code';
  readonly #slot: HotSlot;
  readonly #version: ModuleVersion;
  readonly #name: string;
  readonly #flags: number;
  readonly #impl: Function;
  #before: PropertyDescriptor | undefined = undefined;
  #unpatch: (() => void) | null = null;

  constructor(module: HotModule, origin: Origin, label: string, cell: Cell, name: string, flags: number, impl: Function) {
    super(module, origin, label);
    this.#slot = cell.slot as HotSlot;
    this.#version = module.live;
    this.#name = name;
    this.#flags = flags;
    this.#impl = impl;
  }

  get #home(): object {
    const shell = this.#slot.s as Function;
    return this.#flags & STATIC ? shell : shell.prototype;
  }

  protected change(): void {
    const home = this.#home;
    const before = Object.getOwnPropertyDescriptor(home, this.#name);
    this.#before = before;
    const impl = this.#impl;
    // An accessor keeps its other half: the implementation's on the prototype, the forwarding one on the shell.
    const next: PropertyDescriptor = this.#flags & GETTER ? { get: impl as () => unknown, set: before?.set, enumerable: false, configurable: true }
      : this.#flags & SETTER ? { get: before?.get, set: impl as (value: unknown) => void, enumerable: false, configurable: true }
      : { value: impl, writable: true, enumerable: false, configurable: true };
    redefine(home, this.#name, next);
    this.#unpatch = patchMember(this.#slot, this.#name, this.#flags, impl);
    staleHolds.set(this.#version, (staleHolds.get(this.#version) ?? 0) + 1);
    this.#version.token.s = true;
  }

  protected restore(): { undone: boolean } {
    redefine(this.#home, this.#name, this.#before);
    this.#unpatch?.();
    this.#unpatch = null;
    const holds = (staleHolds.get(this.#version) ?? 1) - 1;
    staleHolds.set(this.#version, holds);
    // Methods of the live version take their fast path again once no patch needs the check.
    if (holds === 0 && this.module.live === this.#version) this.#version.token.s = false;
    return { undone: true };
  }
}

/**
 * Puts `descriptor` (none: deletes) on a shell or its prototype, then primes it. Deleting first:
 * redefining a data property with another function leaves the field mutable for good (see
 * classes.ts, `mirror`); either drops the object to dictionary mode, which priming undoes.
 */
function redefine(home: object, name: string, descriptor: PropertyDescriptor | undefined): void {
  delete (home as Record<string, unknown>)[name];
  if (descriptor) Object.defineProperty(home, name, descriptor);
  prime(home);
}

/** `set(name, value)`: the cell's value, propagated to every version and importer. */
export class ValuePatch extends Patch {
  readonly kind = 'value';
  readonly #cell: Cell;
  readonly #value: unknown;
  #before: unknown = undefined;

  constructor(module: HotModule, origin: Origin, cell: Cell, value: unknown) {
    super(module, origin, cell.name);
    this.#cell = cell;
    this.#value = value;
  }

  protected change(): void {
    this.#before = this.#cell.value;
    this.#cell.value = this.#value;
    this.module.propagate(this.#cell.name, this.#value);
  }

  protected restore(mode: PatchRevert): { undone: boolean; warning?: string } {
    // As for a value a reload replaced (runtime/handle.ts, #setValue): a value written since
    // wins over a failure and a superseding reload; rollback() restores, and names what it overwrote.
    const written = !Object.is(this.#cell.value, this.#value);
    if (written && mode !== 'rollback') return { undone: false };
    this.#cell.value = this.#before;
    this.module.propagate(this.#cell.name, this.#before);
    return { undone: true, ...(written ? { warning: `${this.module.file}: ${this.#cell.name} is back to its value from before the hotfix, replacing a value written after it` } : {}) };
  }
}

/**
 * Before a reload evaluates `module`: reverts the patches hotfixes made in it, newest first,
 * so the file's code runs. `undo` (the reload's) applies them again if the reload fails or is
 * rolled back. Returns what was superseded and the report's warnings, or null.
 */
export function supersede(module: HotModule, undo: UndoLog): { labels: string[]; warnings: string[] } | null {
  const list = activePatches.get(module);
  if (!list?.length) return null;
  const reverted = [...list].reverse().map((patch) => ({ patch, ...patch.revert('supersede') }));
  undo.push((mode) => {
    for (const { patch, undone } of [...reverted].reverse()) {
      if (undone) patch.apply();
      else patch.activate();
    }
    return mode === 'rollback' ? `${module.file}: ${describeOrigins(reverted.map(({ patch }) => patch).reverse())} apply again` : undefined;
  });
  const oldestFirst = [...reverted].reverse();
  const warnings: string[] = [];
  for (const [key, entries] of groupBy(oldestFirst, ({ patch }) => `${patch.origin.name} (batch ${patch.origin.batch})`)) {
    const code = unique(entries.filter(({ patch }) => patch.kind === 'code').map(({ patch }) => patch.label));
    const restored = unique(entries.filter(({ patch, undone }) => patch.kind === 'value' && undone).map(({ patch }) => patch.label));
    const left = unique(entries.filter(({ patch, undone }) => patch.kind === 'value' && !undone).map(({ patch }) => patch.label));
    const parts: string[] = [];
    if (code.length) parts.push(`${code.join(', ')} now run${code.length === 1 ? 's' : ''} the file's code`);
    if (restored.length) parts.push(`${restored.join(', ')} ${restored.length === 1 ? 'is' : 'are'} back to the value from before the hotfix`);
    if (left.length) parts.push(`${left.join(', ')} keep${left.length === 1 ? 's' : ''} the value written after the hotfix`);
    warnings.push(`hotfix ${key} superseded: ${parts.join('; ')}`);
  }
  return { labels: unique(oldestFirst.map(({ patch }) => patch.label)), warnings };
}

function describeOrigins(patches: Patch[]): string {
  return [...groupBy(patches, (patch) => `hotfix ${patch.origin.name} (batch ${patch.origin.batch})`)]
    .map(([key, entries]) => `${key}: ${unique(entries.map((patch) => patch.label)).join(', ')}`)
    .join('; ');
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    let group = groups.get(k);
    if (!group) groups.set(k, (group = []));
    group.push(item);
  }
  return groups;
}

const unique = (labels: string[]) => [...new Set(labels)];
