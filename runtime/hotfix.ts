/**
 * Hotfix files: an ES module run inside the process, fresh each time, whose default export
 * patches the running code through a small API (a function's implementation, a class member,
 * a data value). A hotfix is a batch like a reload: every change is a {@link Patch} logged in
 * the batch's undo log, so a hotfix that fails half-way changes nothing and `rollback()`
 * undoes a committed one. A later reload of a patched module supersedes its patches: they are
 * reverted (in that batch's undo log, so a failed reload or its rollback applies them again)
 * before the file's code is evaluated.
 */
import { HotError } from '../transform/errors.js';
import { HOTFIX_PARAM } from '../transform/names.js';
import type { BindingInfo } from '../transform/types.js';
import { setTarget, type Cell, type HotSlot } from './cell.js';
import { GETTER, patchMember, prime, SETTER, STATIC } from './classes.js';
import { explainHotfix } from './failure.js';
import type { Hub } from './hub.js';
import type { HotModule, ModuleVersion } from './module.js';
import type { ModuleReport, ReloadReport } from './report.js';
import { updateLength } from './standin.js';
import { evaluateIn, UndoLog, type RevertMode } from './undo.js';
// Builtins through process.getBuiltinModule, not `import` (see batch.ts).
const { existsSync, realpathSync } = process.getBuiltinModule('node:fs');
const { isAbsolute, resolve: resolvePath } = process.getBuiltinModule('node:path');
const { fileURLToPath, pathToFileURL } = process.getBuiltinModule('node:url');

/**
 * What a hotfix file's default export receives. Everything it changes is one batch: if the
 * function throws (or a call below is refused), nothing changes and the report says where.
 * @example
 * // hotfixes/fire.js (specifiers are resolved against this file)
 * /** @param {import('@hot/loader/runtime').Hotfix} hot *\/
 * export default function (hot) {
 *   const player = hot.module('../src/player.js');
 *   player.method('Player', 'fire', function () { return this.ammo > 0 ? 'bang' : 'click'; });
 *   player.set('DAMAGE', 12);
 * }
 */
export interface Hotfix {
  /** Absolute path of the hotfix file. */
  readonly file: string;
  /**
   * A loaded hot module, to patch. `specifier` is resolved as an import in the hotfix file
   * would be: `'./x.js'`, `'../x.js'`, an absolute path, or a `file:` URL (string or URL).
   * Throws `ERR_HOT_HOTFIX` for another specifier or a file that does not exist, and
   * `ERR_HOT_NOT_HOT` for a file that is not a loaded hot module.
   * @example
   * const combat = hot.module('../src/combat.js');
   */
  module(specifier: string | URL): HotfixModule;
}

/**
 * One hot module, as a hotfix sees it. Names are the module's top-level bindings (or its
 * export names). A name that does not exist or is of another kind throws `ERR_HOT_HOTFIX`,
 * naming what exists.
 * @example
 * const player = hot.module('../src/player.js');
 * player.fn('attack', function attack(target) { return target.hp - player.get('DAMAGE'); });
 */
export interface HotfixModule {
  /** Absolute path of the module file. */
  readonly file: string;
  /**
   * Replaces the implementation of a top-level function: its stand-in (every saved
   * reference, every importer's binding) and the module's own calls run `impl` from now on.
   * @example
   * player.fn('attack', function attack(p) { return p.hp - 5; });
   */
  fn(name: string, impl: Function): void;
  /**
   * Replaces a member of a class: `member` is `'name'` (instance method), `'get name'` or
   * `'set name'` (one half of an instance accessor; the other half stays), or the same after
   * `'static '` for the class's own members. Instances made before the hotfix, subclasses in
   * other modules and copies taken before it (`const fire = Player.prototype.fire`) run `impl`.
   * @example
   * player.method('Player', 'fire', function () { return this.name + ' fires'; });
   * player.method('Player', 'get hp', function () { return Math.max(0, this.health); });
   * player.method('Player', 'static make', function () { return new this('anon'); });
   */
  method(className: string, member: string, impl: Function): void;
  /**
   * Sets a data binding (a top-level `const`, `let` or `var`): every version of the module
   * and every importer sees `value`.
   * @example
   * player.set('DAMAGE', 12);
   */
  set(name: string, value: unknown): void;
  /**
   * The current value of a binding (data, a function's stand-in, a class). Unlike the calls
   * that change something, it also works after the hotfix returned, from the patched code.
   * @example
   * player.set('DAMAGE', player.get('DAMAGE') * 2);
   */
  get(name: string): unknown;
}

/** A path (absolute or relative to the working directory), a file URL string, or a URL. */
type FileInput = string | URL;

/** A hotfix batch's outcome, before the runner names the call that made it. */
export interface HotfixOutcome {
  report: Omit<ReloadReport, 'op'>;
  /** The undo log of a hotfix that changed something and committed, for `rollback()`; else null. */
  undo: UndoLog | null;
  /** The modules it patched. */
  modules: HotModule[];
}

/** Which hotfix made a patch: named by the reload that supersedes it. */
interface Origin {
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
abstract class Patch {
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
class FunctionPatch extends Patch {
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
class MemberPatch extends Patch {
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
class ValuePatch extends Patch {
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

/** Each run imports its file under a fresh URL: Node caches modules by URL for good. */
let runs = 0;

/**
 * Runs the hotfix `file` as batch number `batch`: imports it fresh, calls its default export
 * with the API, and either keeps every change or reverts them all. Never throws.
 */
export async function runHotfix(hub: Hub, batch: number, file: FileInput): Promise<HotfixOutcome> {
  const path = hotfixPath(file);
  const undo = new UndoLog();
  const session = new HotfixSession(hub, path, batch, undo);
  try {
    const url = pathToFileURL(path);
    url.searchParams.set(HOTFIX_PARAM, String(++runs));
    const loaded = (await import(url.href)) as { default?: unknown };
    const main = loaded.default;
    if (typeof main !== 'function') {
      const got = main === undefined ? ('default' in loaded ? 'undefined' : 'none') : main === null ? 'null' : typeof main;
      throw new HotError('ERR_HOT_HOTFIX', `a hotfix file's default export must be a function that takes the hotfix API (export default function (hot) { … }); ${path} exports ${got === 'none' ? 'no default' : `a default of type ${got}`}`, { file: path, line: 1, column: 1 });
    }
    // In the batch's async context, like a reload's evaluation: what the hotfix writes through
    // module code (it calls `setLevel(3)`) is the batch's, undone with it, and a reload() or
    // hotfix() it would await fails fast (ERR_HOT_BUSY) instead of waiting for itself.
    await evaluateIn(undo, async () => {
      const result: unknown = main(session.api);
      if (typeof (result as PromiseLike<unknown> | null)?.then === 'function') {
        session.warnings.push('the hotfix returned a promise and was awaited: other code ran while it was applied half-way');
        await result;
      }
    });
    session.close();
    undo.closed = true;
    return { report: { ok: true, batch, hotfix: path, modules: session.reports(), ms: 0 }, undo: undo.size ? undo : null, modules: session.modules() };
  } catch (error) {
    session.close();
    undo.closed = true;
    const info = await explainHotfix(error, path);
    const { errors } = undo.revert('failed');
    if (errors.length) info.message += ` (and ${errors.length} change(s) could not be undone: ${String(errors[0])})`;
    return { report: { ok: false, batch, hotfix: path, modules: [], error: info, ms: 0 }, undo: null, modules: [] };
  }
}

/** The hotfix file's real path (the same checks as `reload()` makes). */
function hotfixPath(file: FileInput): string {
  let url: URL;
  if (file instanceof URL) url = file;
  else if (typeof file === 'string' && file.startsWith('file:')) url = new URL(file);
  else if (typeof file === 'string' && file.length > 0) url = pathToFileURL(isAbsolute(file) ? file : resolvePath(file));
  else throw new HotError('ERR_HOT_INVALID_ARGUMENT', `hotfix() takes a path or a file URL; got ${JSON.stringify(file) ?? String(file)}`);
  if (url.protocol !== 'file:') throw new HotError('ERR_HOT_INVALID_ARGUMENT', `hotfix() takes a file path or a file: URL, got ${url.href}`);
  const path = fileURLToPath(url);
  if (!existsSync(path)) throw new HotError('ERR_HOT_NOT_FOUND', `${path} does not exist`);
  return realpathSync(path);
}

/** One run of a hotfix file: the API it is given, and what it patched. */
class HotfixSession {
  readonly api: Hotfix;
  /** Warnings for every module report (an awaited promise). */
  readonly warnings: string[] = [];
  readonly #hub: Hub;
  readonly #path: string;
  readonly #undo: UndoLog;
  readonly #origin: Origin;
  /** Labels patched per module, in call order. */
  readonly #patched = new Map<HotModule, string[]>();
  readonly #moduleWarnings = new Map<HotModule, string[]>();
  readonly #apis = new Map<HotModule, HotfixModule>();
  #open = true;

  constructor(hub: Hub, path: string, batch: number, undo: UndoLog) {
    this.#hub = hub;
    this.#path = path;
    this.#undo = undo;
    const cwd = process.cwd();
    this.#origin = { name: path.startsWith(cwd + '/') ? path.slice(cwd.length + 1) : path, batch };
    this.api = Object.freeze({ file: path, module: (specifier: string | URL) => this.#module(specifier) });
  }

  close(): void {
    this.#open = false;
  }

  modules(): HotModule[] {
    return [...this.#patched.keys()];
  }

  reports(): ModuleReport[] {
    return [...this.#patched].map(([module, labels]) => ({
      file: module.file, version: module.live.version, kept: [], replaced: [...labels], added: [], removed: [], reran: [], swapped: [],
      patched: [...labels],
      warnings: [...(this.#moduleWarnings.get(module) ?? []), ...this.warnings],
    }));
  }

  /** Refuses calls made after the hotfix returned (a callback it left behind): there is no batch to log them in. */
  #check(call: string): void {
    if (!this.#open) throw new HotError('ERR_HOT_HOTFIX', `${call} was called after the hotfix ${this.#path} finished; make every change before its default export returns (or await it)`);
  }

  #module(specifier: string | URL): HotfixModule {
    const call = `hot.module(${JSON.stringify(String(specifier))})`;
    this.#check(call);
    const base = pathToFileURL(this.#path);
    let url: URL;
    if (specifier instanceof URL) url = specifier;
    else if (typeof specifier === 'string' && specifier.startsWith('file:')) url = new URL(specifier);
    else if (typeof specifier === 'string' && (specifier.startsWith('./') || specifier.startsWith('../'))) url = new URL(specifier, base);
    else if (typeof specifier === 'string' && isAbsolute(specifier)) url = pathToFileURL(specifier);
    else throw new HotError('ERR_HOT_HOTFIX', `${call}: a module is named by './x.js', '../x.js' (relative to the hotfix file), an absolute path or a file: URL`);
    if (url.protocol !== 'file:') throw new HotError('ERR_HOT_HOTFIX', `${call}: ${url.href} is not a file: URL`);
    let path = fileURLToPath(url);
    if (!existsSync(path)) throw new HotError('ERR_HOT_HOTFIX', `${call}: ${path} does not exist`);
    path = realpathSync(path);
    const module = this.#hub.modules.get(pathToFileURL(path).href);
    if (!module) {
      throw new HotError('ERR_HOT_NOT_HOT', `${call}: ${path} is not a loaded hot module (${this.#hub.modules.size} loaded); it is not imported yet, excluded by config, or the process was not started with --import @hot/loader`);
    }
    let api = this.#apis.get(module);
    if (!api) {
      api = Object.freeze({
        file: module.file,
        fn: (name: string, impl: Function) => this.#fn(module, name, impl),
        method: (className: string, member: string, impl: Function) => this.#method(module, className, member, impl),
        set: (name: string, value: unknown) => this.#set(module, name, value),
        get: (name: string) => this.#get(module, name),
      });
      this.#apis.set(module, api);
    }
    return api;
  }

  #apply(patch: Patch): void {
    patch.apply();
    this.#undo.push((mode) => patch.revert(mode).warning);
    let labels = this.#patched.get(patch.module);
    if (!labels) this.#patched.set(patch.module, (labels = []));
    labels.push(patch.label);
  }

  #warn(module: HotModule, warning: string): void {
    let list = this.#moduleWarnings.get(module);
    if (!list) this.#moduleWarnings.set(module, (list = []));
    list.push(warning);
  }

  #fn(module: HotModule, name: string, impl: Function): void {
    const call = `fn(${JSON.stringify(name)})`;
    this.#check(call);
    const { cell } = binding(module, name, call);
    if (cell.kind !== 'function') throw new HotError('ERR_HOT_HOTFIX', `${module.file}: ${call}: ${cell.name} is ${kindName(cell)}, not a function; ${useFor(cell)}`);
    expectFunction(impl, `${call} takes the new implementation`);
    const was = cell.shape ?? 'plain';
    const now = shapeOf(impl);
    if (isAsync(was) !== isAsync(now) || isGenerator(was) !== isGenerator(now)) {
      this.#warn(module, `${cell.name} is ${was === 'plain' || was === 'arrow' ? 'a plain function' : `a ${was} function`} and the patch is ${now === 'plain' ? 'not' : `a ${now} function`}: callers get what the patch returns`);
    }
    this.#apply(new FunctionPatch(module, this.#origin, cell, impl));
  }

  #method(module: HotModule, className: string, member: string, impl: Function): void {
    const call = `method(${JSON.stringify(className)}, ${JSON.stringify(member)})`;
    this.#check(call);
    const { cell } = binding(module, className, call);
    if (cell.kind !== 'class') throw new HotError('ERR_HOT_HOTFIX', `${module.file}: ${call}: ${cell.name} is ${kindName(cell)}, not a class; ${useFor(cell)}`);
    const parsed = typeof member === 'string' ? /^\s*(static\s+)?(?:(get|set)\s+)?([^\s]+)\s*$/.exec(member) : null;
    if (!parsed) {
      throw new HotError('ERR_HOT_HOTFIX', `${module.file}: ${call}: a member is 'name', 'get name', 'set name', 'static name', 'static get name' or 'static set name'`);
    }
    const [, isStatic, accessor, name] = parsed;
    const flags = (isStatic ? STATIC : 0) | (accessor === 'get' ? GETTER : accessor === 'set' ? SETTER : 0);
    checkMember(module, cell, name, flags, call);
    expectFunction(impl, `${call} takes the new implementation`);
    const label = `${cell.name}${isStatic ? '.' : '#'}${accessor ? `${accessor} ` : ''}${name}`;
    this.#apply(new MemberPatch(module, this.#origin, label, cell, name, flags, impl));
  }

  #set(module: HotModule, name: string, value: unknown): void {
    const call = `set(${JSON.stringify(name)})`;
    this.#check(call);
    const { cell } = binding(module, name, call);
    if (cell.kind !== 'data') throw new HotError('ERR_HOT_HOTFIX', `${module.file}: ${call}: ${cell.name} is ${kindName(cell)}, not data; ${useFor(cell)}`);
    this.#apply(new ValuePatch(module, this.#origin, cell, value));
  }

  /** Reading changes nothing: allowed at any time, from patched code too. */
  #get(module: HotModule, name: string): unknown {
    return binding(module, name, `get(${JSON.stringify(name)})`).cell.value;
  }
}

/** A binding of the module's live version, by local or export name. */
function binding(module: HotModule, name: string, call: string): { cell: Cell; info: BindingInfo } {
  const { meta, indexOf } = module.live;
  const index = indexOf.get(name) ?? meta.bindings.findIndex((b) => b.exported.includes(name));
  const info = index === -1 ? undefined : meta.bindings[index];
  const cell = info && !info.generated ? module.cells.get(info.name) : undefined;
  if (!info || !cell) {
    const names = meta.bindings.filter((b) => !b.generated).map((b) => b.name);
    throw new HotError('ERR_HOT_HOTFIX', `${module.file}: ${call}: the module has no binding '${name}'; its bindings: ${names.join(', ') || 'none'}`);
  }
  return { cell, info };
}

function kindName(cell: Cell): string {
  return cell.kind === 'data' ? 'data' : `a ${cell.kind}`;
}

/** The call that patches a binding of this kind. */
function useFor(cell: Cell): string {
  const name = JSON.stringify(cell.name);
  return cell.kind === 'function' ? `use fn(${name}, impl)` : cell.kind === 'class' ? `use method(${name}, 'member', impl)` : `use set(${name}, value)`;
}

function expectFunction(impl: unknown, what: string): asserts impl is Function {
  if (typeof impl !== 'function') throw new HotError('ERR_HOT_HOTFIX', `${what} as a function, got ${impl === null ? 'null' : typeof impl}`);
}

type Shape = 'plain' | 'async' | 'generator' | 'async-generator';
function shapeOf(fn: Function): Shape {
  switch (Object.getPrototypeOf(fn)?.constructor?.name) {
    case 'AsyncFunction': return 'async';
    case 'GeneratorFunction': return 'generator';
    case 'AsyncGeneratorFunction': return 'async-generator';
    default: return 'plain';
  }
}
const isAsync = (shape: string) => shape === 'async' || shape === 'async-generator';
const isGenerator = (shape: string) => shape === 'generator' || shape === 'async-generator';

/** Own properties of every class that are not members. */
const OWN_OF_CLASS = new Set(['length', 'name', 'prototype', 'arguments', 'caller']);

/** Throws unless the live implementation of `cell`'s class has the member in this kind. */
function checkMember(module: HotModule, cell: Cell, name: string, flags: number, call: string): void {
  const impl = (cell.slot as HotSlot).impl;
  if (!impl) throw new HotError('ERR_HOT_HOTFIX', `${module.file}: ${call}: class ${cell.name} has no implementation yet`);
  const isStatic = (flags & STATIC) !== 0;
  const home: object = isStatic ? impl : impl.prototype;
  const members = (want: 'method' | 'get' | 'set') => Reflect.ownKeys(home).filter((key): key is string => {
    if (typeof key !== 'string' || (isStatic ? OWN_OF_CLASS.has(key) : key === 'constructor')) return false;
    const d = Object.getOwnPropertyDescriptor(home, key) as PropertyDescriptor;
    return want === 'method' ? typeof d.value === 'function' : typeof d[want] === 'function';
  });
  const want = flags & GETTER ? 'get' : flags & SETTER ? 'set' : 'method';
  if (members(want).includes(name)) return;
  const prefix = isStatic ? 'static ' : '';
  const noun = `${prefix}${want === 'method' ? 'method' : want === 'get' ? 'getter' : 'setter'}`;
  const where = `${cell.name}${isStatic ? '.' : '#'}${name}`;
  if (want === 'method' && (members('get').includes(name) || members('set').includes(name))) {
    throw new HotError('ERR_HOT_HOTFIX', `${module.file}: ${call}: ${where} is an accessor, not a method; patch '${prefix}get ${name}' or '${prefix}set ${name}'`);
  }
  if (want !== 'method' && members('method').includes(name)) {
    throw new HotError('ERR_HOT_HOTFIX', `${module.file}: ${call}: ${where} is a method, not an accessor; patch '${prefix}${name}'`);
  }
  const existing = members(want);
  throw new HotError('ERR_HOT_HOTFIX', `${module.file}: ${call}: ${cell.name} has no ${noun} '${name}'; its ${noun}s: ${existing.join(', ') || 'none'}`);
}
