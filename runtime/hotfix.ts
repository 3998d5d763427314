/**
 * Hotfix files: an ES module run inside the process, fresh each time, whose default export
 * patches the running code through a small API (a function's implementation, a class member,
 * a data value). A hotfix is a batch like a reload: every change is a patch (patches.ts) logged
 * in the batch's undo log, so a hotfix that fails half-way changes nothing and `rollback()`
 * undoes a committed one. A later reload of a patched module supersedes its patches: they are
 * reverted (in that batch's undo log, so a failed reload or its rollback applies them again)
 * before the file's code is evaluated.
 */
import { HotError } from '../transform/errors.js';
import { HOTFIX_PARAM } from '../transform/names.js';
import type { BindingInfo } from '../transform/types.js';
import type { Cell, HotSlot } from './cell.js';
import { GETTER, SETTER, STATIC } from './classes.js';
import { explainHotfix } from './failure.js';
import type { Hub } from './hub.js';
import type { HotModule } from './module.js';
import { FunctionPatch, MemberPatch, ValuePatch, type Origin, type Patch } from './patches.js';
import { realFile, type FileInput } from './paths.js';
import type { ModuleReport, ReloadReport } from './report.js';
import { evaluateIn, UndoLog } from './undo.js';
// Builtins through process.getBuiltinModule, not `import` (see batch.ts).
const { existsSync, realpathSync } = process.getBuiltinModule('node:fs');
const { isAbsolute } = process.getBuiltinModule('node:path');
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


/** A hotfix batch's outcome, before the runner names the call that made it. */
export interface HotfixOutcome {
  report: Omit<ReloadReport, 'op'>;
  /** The undo log of a hotfix that changed something and committed, for `rollback()`; else null. */
  undo: UndoLog | null;
  /** The modules it patched. */
  modules: HotModule[];
}

/** Each run imports its file under a fresh URL: Node caches modules by URL for good. */
let runs = 0;

/**
 * Runs the hotfix `file` as batch number `batch`: imports it fresh, calls its default export
 * with the API, and either keeps every change or reverts them all. Never throws.
 */
export async function runHotfix(hub: Hub, batch: number, file: FileInput): Promise<HotfixOutcome> {
  const path = realFile(file, 'hotfix() takes a path or a file URL');
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
