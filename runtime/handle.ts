/**
 * The `__hot` object of one module version: the calls the transformed code makes.
 * Method names are short because they appear in generated code; each says what
 * the transform emits it for. Every change goes through the batch's undo log.
 */
import type { BindingInfo, DataPragma, FunctionShape, InlineInfo, MemberRef, NestedInfo, StaticFieldInfo } from '../transform/types.js';
import { Cell, createSlot, setTarget, type HotSlot, type InlineSlot } from './cell.js';
import { attach, callLatest, constructThrough, hasLatest, INIT, isBaseShell, isClass, noteShell, Placeholder, Root, runtimeShell } from './classes.js';
import type { HotModule, ModuleVersion } from './module.js';
import { dressStandIn, forwardCalls, forwardingProxy, updateLength } from './standin.js';
import { batchWriting, type UndoLog } from './undo.js';
import { initOf, makeKeeper, setInit, Stamp, type KeeperCalls } from './privates.js';
import { HotError } from '../transform/errors.js';
import { closeWindow, heldPort, openWindow, type Server, type Window } from './resources.js';

/** Called after each top-level statement or replaced initializer ran, while `hot check` diagnoses growth (runtime/check.ts). */
let probe: ((module: HotModule, line: number) => void) | null = null;

/** Sets (or, with null, removes) the probe run after each statement and replaced initializer. */
export function setProbe(next: typeof probe): void {
  probe = next;
}

export class ModuleHandle {
  readonly module: HotModule;
  readonly current: ModuleVersion;
  readonly undo: Pick<UndoLog, 'push'>;
  /** The base every emitted shell literal extends before its first implementation. */
  readonly Placeholder = Placeholder;
  /** The base of every `#private` keeper (runtime/privates.ts). */
  readonly Stamp = Stamp;
  /** The shared base the transform gives every base class. */
  readonly Root = Root;
  /** The key of class initialisers (`__hot_I`; classes.ts, INIT). */
  readonly I = INIT;
  /** `Reflect.construct`, for the stand-ins of a module that declares its own `Reflect`. */
  readonly construct = Reflect.construct;

  /** True while a reload batch evaluates this version (a first load is no batch). */
  readonly reloading: boolean;
  /** A `hot check` reload as if every line had been edited (see `ActiveBatch.edited`). */
  readonly edited: boolean;
  /** The window of the statement or initializer evaluating now, if any. */
  #window: Window | null = null;
  /** Line of the statement running now (0: none), for the probe. */
  #statementLine = 0;

  constructor(module: HotModule, current: ModuleVersion, undo: Pick<UndoLog, 'push'>, reloading = false, edited = false) {
    this.module = module;
    this.current = current;
    this.undo = undo;
    this.reloading = reloading;
    this.edited = edited;
  }

  /**
   * Starts recording what `owner` (a statement key, `=name` for an initializer) sets up. A
   * first load records into the module's resources; a reload into the version's runs, which
   * become the module's at commit.
   */
  #open(owner: string, line: number): void {
    this.#close();
    const into: Window['into'] = [];
    (this.reloading ? this.current.runs : this.module.resources).set(owner, into);
    const window: Window = { owner, into, line, listens: this.current.listens, holder: this.reloading ? (port, at) => this.#portHolder(port, at) : null };
    this.#window = window;
    openWindow(window);
  }

  #close(): void {
    if (!this.#window) return;
    closeWindow(this.#window);
    this.#window = null;
  }

  /**
   * A listen() of this reload asks for a port: the live server on it, when the code that
   * made it does not survive this version (the same statement running again, an edited or
   * removed statement, the initializer being replaced), so it can hand the port over.
   */
  #portHolder(port: number | string, window: Window): Server | null {
    const keys = statementKeys(this.current);
    for (const [owner, resources] of this.module.resources) {
      const survives = owner !== window.owner && (owner.startsWith('=') ? this.current.indexOf.has(owner.slice(1)) : keys.has(owner));
      if (survives) continue;
      for (const resource of resources) {
        if (resource.kind === 'server' && resource.server.listening && heldPort(resource.server) === port) return resource.server;
      }
    }
    return null;
  }

  /** This evaluation's version number (`__hot_V`). */
  get version(): number {
    return this.current.version;
  }

  /** This evaluation's staleness token (`__hot_T`). */
  get token(): { s: boolean } {
    return this.current.token;
  }

  #info(index: number): BindingInfo {
    return this.current.meta.bindings[index];
  }

  /** A function or class binding's metadata, cell and hot slot (the cell exists: `cell()` ran in the prologue). */
  #code(index: number): { info: BindingInfo; cell: Cell; slot: HotSlot } {
    const info = this.#info(index);
    const cell = this.module.cells.get(info.name) as Cell;
    return { info, cell, slot: cell.slot as HotSlot };
  }

  /** Installs `cell` as the module's cell for its name, recording a kind change. */
  #install(cell: Cell, info: BindingInfo): void {
    const { cells } = this.module;
    const previous = cells.get(cell.name);
    cells.set(cell.name, cell);
    this.undo.push(() => {
      if (previous) cells.set(cell.name, previous);
      else cells.delete(cell.name);
      // Importers were given the new cell's value (a kind change): they get the old one back.
      if (previous?.initialised) this.module.propagate(previous.name, previous.value);
    });
    if (previous) {
      this.current.warnings.push(`${info.name} changed from ${previous.kind} to ${cell.kind}`);
      this.current.replaced.add(info.name);
    } else if (this.module.versions.length > 1 || this.current.version > 1) {
      this.current.added.add(info.name);
    }
  }

  #setValue(cell: Cell, value: unknown, undo: Pick<UndoLog, 'push'> = this.undo): void {
    const { value: before, initialised } = cell;
    if (initialised && !this.current.valuesBefore.has(cell.name)) this.current.valuesBefore.set(cell.name, before);
    cell.value = value;
    cell.initialised = true;
    const file = this.module.file;
    undo.push((mode) => {
      // Entries are reverted newest first, so a value other than the one set here was written
      // by code outside the batch (the game) after it: a failed batch leaves that write alone;
      // rollback() restores the old value, as asked, and names what it overwrote.
      let warning: string | undefined;
      if (!Object.is(cell.value, value)) {
        if (mode === 'failed') return;
        warning = `${file}: ${cell.name} is back to its value from before the reload, replacing a value written after it`;
      }
      cell.value = before;
      cell.initialised = initialised;
      if (initialised) this.module.propagate(cell.name, before);
      return warning;
    });
  }

  /** Prologue, functions and classes: the cell's hot slot; `literal` becomes the stand-in or shell of a new cell. */
  cell(index: number, literal: Function): HotSlot {
    const info = this.#info(index);
    const existing = this.module.cells.get(info.name);
    if (existing && existing.kind === info.kind && existing.slot) return existing.slot;
    const slot = createSlot();
    slot.s = literal;
    if (info.kind === 'class') noteShell(literal);
    if (info.kind === 'class' && literal.name !== info.name) Object.defineProperty(literal, 'name', { value: info.name, configurable: true });
    const cell = new Cell(info.name, info.kind === 'class' ? 'class' : 'function', slot);
    if (info.shape) cell.shape = info.shape;
    this.#install(cell, info);
    return slot;
  }

  /** Prologue and `const f = () => …`: points the function cell at this version's implementation; returns the stand-in. */
  fn(index: number, impl: Function): Function {
    const { info, cell, slot } = this.#code(index);
    const standIn = slot.s as Function;
    if (!cell.initialised) {
      setTarget(slot, impl);
      if (info.declaration === 'default') Object.defineProperty(impl, 'name', { value: 'default', configurable: true });
      dressStandIn(standIn, impl, cell.shape, info.name);
      this.#setValue(cell, standIn);
      this.module.propagate(info.name, standIn, this.current);
      cell.fingerprint = info.fingerprint;
      cell.nested = info.nested;
      return standIn;
    }
    const previousFingerprint = cell.fingerprint;
    if (info.declaration === 'default') Object.defineProperty(impl, 'name', { value: 'default', configurable: true });
    const undoTarget = setTarget(slot, impl);
    updateLength(standIn, impl);
    cell.fingerprint = info.fingerprint;
    this.undo.push(() => {
      undoTarget();
      cell.fingerprint = previousFingerprint;
      updateLength(standIn, slot.t as Function);
    });
    if (previousFingerprint !== info.fingerprint || this.edited) this.current.replaced.add(info.name);
    if (previousFingerprint !== info.fingerprint && cell.nested !== info.nested) this.current.warnings.push(nestedWarning(info.name));
    const previousNested = cell.nested;
    cell.nested = info.nested;
    this.undo.push(() => (cell.nested = previousNested));
    const changed = kindChange(cell.shape, info.shape);
    if (changed) {
      this.current.warnings.push(`${info.name} was ${changed}: the stand-in keeps the kind it was born with (constructor.name ${standIn.constructor.name}), but calls now return what the new code returns`);
    }
    return standIn;
  }

  /** First static block of a class body: the implementation is complete but no static initialiser has run. */
  attach(index: number, impl: Function): void {
    const { info, cell, slot } = this.#code(index);
    const shell = slot.s as Function;
    const { v, impl: previousImpl } = slot;
    const length = shell.length;
    // Before attach(): redefining a property after priming would drop the shell to dictionary mode.
    if (length !== impl.length) Object.defineProperty(shell, 'length', { value: impl.length, configurable: true });
    const revert = attach(shell, impl);
    // A base shell runs the initialiser its slot holds (`slot.t`, swapped through a fresh holder so
    // V8 inlines the new one; see setTarget): this version's, or, for a class in the other form,
    // one that constructs through it.
    let revertInit = () => {};
    if (isBaseShell(shell)) {
      const own = Object.prototype.hasOwnProperty.call(impl.prototype, INIT);
      revertInit = setTarget(slot, own ? (impl.prototype as Record<symbol, unknown>)[INIT] : constructThrough(shell));
    }
    slot.impl = impl;
    slot.v = this.current.version;
    this.undo.push(() => {
      revertInit();
      revert();
      slot.impl = previousImpl;
      slot.v = v;
      if (shell.length !== length) Object.defineProperty(shell, 'length', { value: length, configurable: true });
    });
    if (info.privateNative && cell.initialised) {
      const { member, line, reason } = info.privateNative;
      throw new HotError('ERR_HOT_PRIVATE', `class ${info.name} keeps ${member} as a native #private member because ${reason}: instances made before a reload could not use it, so the class cannot be reloaded`, { file: this.module.file, line, column: 1 });
    }
    if (cell.keeper) {
      const { implementations } = cell.keeper;
      implementations.add(impl);
      this.undo.push(() => implementations.delete(impl));
    }
  }

  /** Prologue of a class with `#private` members: its keeper, made once for the life of the process. */
  pk(index: number, literal: Function): KeeperCalls {
    const { info, cell, slot } = this.#code(index);
    cell.keeper ??= makeKeeper(slot.s as Function, info.name, literal);
    return cell.keeper.keeper;
  }

  /** Start of a class body: the initialiser of its private fields, run for each instance made from now on. */
  pi(index: number, init: (this: object) => Record<string, unknown>): void {
    const keeper = this.#code(index).cell.keeper as NonNullable<Cell['keeper']>;
    const previous = initOf(keeper);
    setInit(keeper, init);
    this.undo.push(() => setInit(keeper, previous));
  }

  /**
   * A static private field, in place: evaluates the new initialiser, or keeps the value the class
   * has, by the rules of public static fields (new, or its initialiser changed, or a pragma).
   */
  pq(index: number, staticIndex: number, initialiser: () => unknown): void {
    const { info, cell } = this.#code(index);
    const keeper = cell.keeper as NonNullable<Cell['keeper']>;
    const fields = info.privateStatics as NonNullable<BindingInfo['privateStatics']>;
    const field = fields[staticIndex];
    if (!this.#replaceStatic(cell.initialised ? cell.privateStatics : undefined, field, keeper.statics)) return;
    const { statics } = keeper;
    const had = Object.prototype.hasOwnProperty.call(statics, field.name);
    const before = statics[field.name];
    statics[field.name] = initialiser();
    this.undo.push(() => {
      if (had) statics[field.name] = before;
      else delete statics[field.name];
    });
  }


  /** Wraps a class expression after it evaluated: moves static data to the shell; returns the shell. */
  cls(index: number, impl: Function): Function {
    const { info, cell, slot } = this.#code(index);
    const shell = slot.s as Function;
    const decisions = this.current.staticDecisions.get(index) ?? [];
    const declared = new Set<string>();
    (info.statics ?? []).forEach((field, slotIndex) => {
      declared.add(field.name);
      const descriptor = Object.getOwnPropertyDescriptor(impl, field.name);
      if (!descriptor) return;
      delete (impl as unknown as Record<string, unknown>)[field.name];
      if (decisions[slotIndex] === false) return; // kept: the shell already has it
      this.#defineStatic(shell, field.name, descriptor);
    });
    for (const field of cell.statics ?? []) {
      if (!declared.has(field.name) && Object.prototype.hasOwnProperty.call(shell, field.name)) {
        const descriptor = Object.getOwnPropertyDescriptor(shell, field.name) as PropertyDescriptor;
        delete (shell as unknown as Record<string, unknown>)[field.name];
        this.undo.push(() => Object.defineProperty(shell, field.name, descriptor));
      }
    }
    const { statics: previousStatics, privateStatics: previousPrivate } = cell;
    cell.statics = info.statics;
    cell.privateStatics = info.privateStatics;
    this.undo.push(() => {
      cell.statics = previousStatics;
      cell.privateStatics = previousPrivate;
    });
    if (!cell.initialised) {
      this.#setValue(cell, shell);
      this.module.propagate(info.name, shell, this.current);
    } else if (cell.fingerprint !== info.fingerprint || this.edited) {
      this.current.replaced.add(info.name);
    }
    const previousFingerprint = cell.fingerprint;
    cell.fingerprint = info.fingerprint;
    this.undo.push(() => (cell.fingerprint = previousFingerprint));
    return shell;
  }

  #defineStatic(shell: Function, name: string, descriptor: PropertyDescriptor): void {
    const before = Object.getOwnPropertyDescriptor(shell, name);
    Object.defineProperty(shell, name, descriptor);
    this.undo.push(() => {
      if (before) Object.defineProperty(shell, name, before);
      else delete (shell as unknown as Record<string, unknown>)[name];
    });
  }

  #pragma(pragma: DataPragma | undefined): DataPragma | 'auto' {
    return pragma ?? this.current.meta.pragma ?? this.current.meta.project ?? 'auto';
  }

  /**
   * The data rule of a static field (public or private): evaluate its new initialiser when it
   * is new, when `holder` does not have it, or when its text changed (or a pragma says so).
   */
  #replaceStatic(previousFields: StaticFieldInfo[] | undefined, field: StaticFieldInfo, holder: object): boolean {
    const previous = previousFields?.find((f) => f.name === field.name);
    if (!previous || !Object.prototype.hasOwnProperty.call(holder, field.name)) return true;
    const rule = this.#pragma(field.pragma);
    return rule === 'replace' || (rule === 'auto' && (previous.fingerprint !== field.fingerprint || this.edited));
  }

  /** Static field initialiser: true to evaluate the new initialiser, false to keep the shell's value. */
  sf(index: number, staticIndex: number): boolean {
    const { info, cell, slot } = this.#code(index);
    const field = (info.statics as NonNullable<BindingInfo['statics']>)[staticIndex];
    const shell = slot.s as Function;
    const replace = this.#replaceStatic(cell.initialised ? cell.statics : undefined, field, shell);
    let list = this.current.staticDecisions.get(index);
    if (!list) this.current.staticDecisions.set(index, (list = []));
    list[staticIndex] = replace;
    return replace;
  }

  /** Static field initialiser, kept: the current value. */
  sk(index: number, staticIndex: number): unknown {
    const { info, slot } = this.#code(index);
    const name = (info.statics as NonNullable<BindingInfo['statics']>)[staticIndex].name;
    return (slot.s as Record<string, unknown>)[name];
  }

  /** Data declaration: true to evaluate the new initializer, false to keep the cell's value. */
  d(index: number): boolean {
    const info = this.#info(index);
    const group = info.group;
    const members = group === undefined ? [index] : this.current.meta.bindings.flatMap((b, i) => (b.group === group ? [i] : []));
    let replace = false;
    for (const member of members) {
      const binding = this.#info(member);
      const cell = this.module.cells.get(binding.name);
      if (!cell || cell.kind !== 'data' || !cell.initialised) {
        replace = true;
        break;
      }
      const rule = this.#pragma(binding.pragma);
      if (rule === 'replace') replace = true;
      else if (rule === 'auto') {
        replace ||= this.edited || cell.fingerprint !== binding.fingerprint || (binding.reads ?? []).some((name) => this.current.replacedData.has(name));
      }
    }
    for (const member of members) this.current.decisions.set(member, replace);
    if (replace && info.effects) this.#open(`=${this.#info(members[0]).name}`, info.line);
    return replace;
  }

  #dataCell(info: BindingInfo): Cell {
    const existing = this.module.cells.get(info.name);
    if (existing && existing.kind === 'data') return existing;
    const cell = new Cell(info.name, 'data', null);
    this.#install(cell, info);
    return cell;
  }

  /** Data declaration, replaced: stores the new value (a function made by a call gets a stand-in). */
  s(index: number, value: unknown): unknown {
    this.#close();
    const info = this.#info(index);
    const cell = this.#dataCell(info);
    let stored = value;
    if (info.callInit && typeof value === 'function') stored = this.#callMade(cell, info, value);
    const previousFingerprint = cell.fingerprint;
    const wasInitialised = cell.initialised;
    this.#setValue(cell, stored);
    cell.fingerprint = info.fingerprint;
    this.undo.push(() => (cell.fingerprint = previousFingerprint));
    this.current.replacedData.add(info.name);
    if (wasInitialised) this.current.replaced.add(info.name);
    this.module.propagate(info.name, stored, this.current);
    probe?.(this.module, info.line);
    return stored;
  }

  /** A function or class value returned by a call: one identity that forwards to the latest value. */
  #callMade(cell: Cell, info: BindingInfo, value: Function): Function {
    if (isClass(value)) {
      const slot = cell.forward?.slot ?? createSlot();
      if (!cell.forward) {
        slot.s = runtimeShell(value.name || info.name);
        cell.forward = { slot, standIn: slot.s as Function };
      }
      const revert = attach(slot.s as Function, value);
      const previous = slot.impl;
      slot.impl = value;
      this.undo.push(() => {
        revert();
        slot.impl = previous;
      });
      return slot.s as Function;
    }
    if (cell.forward && !isClass(cell.forward.standIn)) {
      const { slot } = cell.forward;
      this.undo.push(setTarget(slot, value));
      if (value !== cell.forward.first) this.undo.push(forwardCalls(slot));
      return cell.forward.standIn;
    }
    const slot = createSlot();
    setTarget(slot, value);
    const standIn = forwardingProxy(slot, value);
    slot.s = standIn;
    const before = cell.forward;
    cell.forward = { slot, standIn, first: value };
    this.undo.push(() => (cell.forward = before));
    return standIn;
  }

  /** Data declaration, kept: the cell's value. */
  g(index: number): unknown {
    const info = this.#info(index);
    const cell = this.module.cells.get(info.name) as Cell;
    const previousFingerprint = cell.fingerprint;
    cell.fingerprint = info.fingerprint;
    this.undo.push(() => (cell.fingerprint = previousFingerprint));
    this.current.kept.add(info.name);
    return cell.value;
  }

  /** Destructuring declaration, replaced: stores the values the pattern produced. */
  sg(first: number, values: unknown[]): void {
    values.forEach((value, offset) => this.s(first + offset, value));
  }

  /** Destructuring declaration, kept: assigns this version's locals from the cells. */
  gg(first: number): void {
    const group = this.#info(first).group;
    const setter = this.current.setter;
    this.current.meta.bindings.forEach((binding, index) => {
      if (binding.group === group) setter?.(index, this.g(index));
    });
  }

  /** `x = …`, `x += …`, `x++`, `[x] = …`, `for (x of …)`: one value for every version. */
  w(index: number, value: unknown): unknown {
    const info = this.#info(index);
    const cell = this.module.cells.get(info.name);
    if (cell) {
      // A write by the evaluation of an open batch is the batch's, undone with it; any other
      // (the game, while a batch is open too) is kept whatever happens to the batch.
      const batch = batchWriting();
      if (batch) {
        this.#setValue(cell, value, batch);
      } else {
        cell.value = value;
        cell.initialised = true;
      }
    }
    this.module.propagate(info.name, value);
    return value;
  }

  /**
   * A top-level statement that is not a declaration: true to run it. On a module's first
   * load every statement runs. On a reload a statement runs again only if its text is new
   * to the module (statements are matched by content, so lines inserted above it change
   * nothing) or it reads a data binding this reload replaced; `@hot rerun` always runs it
   * again, `@hot once` never does. Unchanged code does not run again: that is what keeps a
   * reload from listening twice, registering a route twice or stacking listeners.
   */
  r(index: number): boolean {
    const version = this.current;
    const statement = version.meta.statements[index];
    // A statement is known by its text and which occurrence of that text it is, so lines
    // inserted above it, or a copy of it elsewhere in the file, change nothing.
    const key = statementKeyList(version)[index];
    const previous = this.module.live;
    let run = true;
    if (previous !== version) {
      const rule = statement.pragma ?? version.meta.statementPragma ?? 'auto';
      const known = statementKeys(previous).has(key);
      run = rule === 'rerun' || (rule === 'auto' && (this.edited || !known || statement.reads.some((name) => version.replacedData.has(name))));
      if (known && !run) version.keptStatements.add(key);
      if (run) version.reran.push(statement.line);
    }
    if (run) {
      version.activeStatement = key;
      this.#statementLine = statement.line;
      this.#open(key, statement.line);
    }
    return run;
  }

  /**
   * Prologue, inline function number `index`: its slot. A site the module already has (same
   * owner skeleton, same position in it) keeps its stand-in; a new one gets `literal`.
   */
  is(index: number, literal: Function): HotSlot {
    const version = this.current;
    const info = (version.meta.inline as InlineInfo[])[index];
    const entry = this.#site(inlineKey(version, info), info.shape, literal);
    version.inlineSlots[index] = entry;
    return entry.slot;
  }

  /** The module's slot for a site (inline or nested function); a new one (undone if the batch fails) when there is none of this shape. */
  #site(key: string, shape: FunctionShape, standIn: Function | null): InlineSlot {
    const previous = this.module.inline.get(key);
    if (previous && previous.shape === shape) return previous;
    const slot = createSlot();
    if (standIn) slot.s = standIn;
    const created: InlineSlot = { slot, shape, fingerprint: undefined, nested: undefined };
    this.module.inline.set(key, created);
    this.undo.push(() => {
      if (previous) this.module.inline.set(key, previous);
      else this.module.inline.delete(key);
    });
    return created;
  }

  /**
   * Just before its owner statement or declaration: points inline function `index`'s stand-in
   * at this version's implementation, whether or not the owner runs again.
   */
  il(index: number, impl: Function): void {
    const version = this.current;
    const info = (version.meta.inline as InlineInfo[])[index];
    const entry = version.inlineSlots[index];
    const previousNested = entry.nested;
    const first = entry.fingerprint === undefined;
    if (!this.#retarget(entry, impl, info.fingerprint, info.nested)) return;
    const standIn = entry.slot.s as Function;
    if (first) {
      dressStandIn(standIn, impl, info.shape, info.name);
      return;
    }
    updateLength(standIn, impl);
    this.undo.push(() => updateLength(standIn, entry.slot.t as Function));
    version.swapped.push(info.line);
    if (info.owner === 's') version.swappedIn.set(info.line, info.index);
    if (previousNested !== info.nested) version.warnings.push(nestedWarning(info.name ? `${info.name} (line ${info.line})` : `the function at line ${info.line}`));
  }

  /**
   * Points an inline or nested site at this version's code, unless its code is the same.
   * Returns whether it did (undone with the batch).
   */
  #retarget(entry: InlineSlot, target: Function, fingerprint: string, nested: string | undefined): boolean {
    const { fingerprint: previousFingerprint, nested: previousNested } = entry;
    if (previousFingerprint === fingerprint && !this.edited) return false;
    const undoTarget = setTarget(entry.slot, target);
    entry.fingerprint = fingerprint;
    entry.nested = nested;
    this.undo.push(() => {
      undoTarget();
      entry.fingerprint = previousFingerprint;
      entry.nested = previousNested;
    });
    return true;
  }

  /**
   * Prologue, nested function number `index`: its slot, whose target is the newest factory
   * (captured values → function). Closures made by this module's maker for it call the
   * target of the moment, so closures made before a reload run the new code.
   */
  ns(index: number): HotSlot {
    const version = this.current;
    const info = (version.meta.nested as NestedInfo[])[index];
    const entry = this.#site(nestedKey(version, info), 'plain', null);
    version.nestedSlots[index] = entry;
    return entry.slot;
  }

  /** Top of the module: points nested function `index` at this version's factory. */
  nl(index: number, factory: Function): void {
    const version = this.current;
    const info = (version.meta.nested as NestedInfo[])[index];
    const entry = version.nestedSlots[index];
    const first = entry.fingerprint === undefined;
    if (this.#retarget(entry, factory, info.fingerprint, undefined) && !first) version.swapped.push(info.line);
  }

  /** End of a statement `r` let run: handlers it registered belong to it (see `HotContext.dispose`). */
  e(): void {
    this.current.activeStatement = undefined;
    this.#close();
    if (this.#statementLine !== 0) {
      const line = this.#statementLine;
      this.#statementLine = 0;
      probe?.(this.module, line);
    }
  }

  /** A write to a `const` binding (the transform declares it with `let`): keep the language's error. */
  constWrite(name: string): never {
    throw new TypeError(`Assignment to constant variable '${name}'.`);
  }

  /** Cold path of a method version check: does the latest version have this member? */
  has(slot: HotSlot, name: string, flags: number): boolean {
    return hasLatest(slot, name, flags, this.current.version);
  }

  /** Cold path of a method version check: run the hotfix patch or the latest version of this member. */
  stale(slot: HotSlot, self: unknown, args: ArrayLike<unknown>, name: string, flags: number): unknown {
    return callLatest(slot, self, args, name, flags);
  }

  /**
   * Cold path of a method version check, once this version is stale (`__hot_T.s`): whether member
   * `id` of this version's `members` table runs other code than its own body (a hotfix patch, or
   * the latest version's member); if so it has run, with `self` and `args`, and {@link x} is its result.
   */
  q(id: number, self: unknown, ...args: unknown[]): boolean {
    return this.qa(id, self, args);
  }

  /** {@link q} for a method that hands on its `arguments`. */
  qa(id: number, self: unknown, args: ArrayLike<unknown>): boolean {
    const [index, name, flags] = (this.current.meta.members as MemberRef[])[id];
    const slot = this.#code(index).slot;
    const version = this.current.version;
    if (slot.v === version || !hasLatest(slot, name, flags, version)) return false;
    this.#result = callLatest(slot, self, args, name, flags);
    return true;
  }

  /** What the member {@link q} forwarded to returned; read once, right after. */
  get x(): unknown {
    const result = this.#result;
    this.#result = undefined;
    return result;
  }

  #result: unknown;
}

/** The keys (`fingerprint#occurrence`) of a version's statements, by index. */
function statementKeyList(version: ModuleVersion): string[] {
  if (!version.statementKeyList) {
    const seen = new Map<string, number>();
    version.statementKeyList = (version.meta.statements ?? []).map(({ fingerprint }) => {
      const occurrence = (seen.get(fingerprint) ?? 0) + 1;
      seen.set(fingerprint, occurrence);
      return `${fingerprint}#${occurrence}`;
    });
  }
  return version.statementKeyList;
}

/** The keys of a version's statements, as a set. */
function statementKeys(version: ModuleVersion): Set<string> {
  return (version.statementKeys ??= new Set(statementKeyList(version)));
}

/** Where an inline function stands, the same in every version whose owner has the same skeleton. */
function inlineKey(version: ModuleVersion, info: InlineInfo): string {
  if (info.owner === 's') return `${statementKeyList(version)[info.index]}/${info.ordinal}`;
  const binding = version.meta.bindings[info.index];
  return `=${binding.name}@${binding.fingerprint}/${info.ordinal}`;
}

/** The warning for a function whose inner functions changed: those already made keep their code. */
function nestedWarning(what: string): string {
  return `${what}: functions created inside it before this reload (a per-connection handler, a callback it stored) keep their old code; ones it creates from now on run the new code`;
}

/** Where a nested function stands: its enclosing function's identity, then its place inside it. */
function nestedKey(version: ModuleVersion, info: NestedInfo): string {
  const owner = info.owner === 'b' ? `fn:${version.meta.bindings[info.index].name}` : inlineKey(version, (version.meta.inline as InlineInfo[])[info.index]);
  return `${owner}|${info.local}`;
}

/** How a function's calling convention changed between versions (async, generator), if it did. */
function kindChange(born: FunctionShape | undefined, now: FunctionShape | undefined): string | null {
  if (!born || !now) return null;
  const isAsync = (shape: FunctionShape) => shape === 'async' || shape === 'async-generator';
  const isGenerator = (shape: FunctionShape) => shape === 'generator' || shape === 'async-generator';
  const changes: string[] = [];
  if (isAsync(born) !== isAsync(now)) changes.push(isAsync(born) ? 'async and is no longer' : 'not async and now is');
  if (isGenerator(born) !== isGenerator(now)) changes.push(isGenerator(born) ? 'a generator and is no longer' : 'not a generator and now is');
  return changes.length ? changes.join('; ') : null;
}
