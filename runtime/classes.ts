/**
 * Stable class identity.
 *
 * The binding holds a shell: a derived class with the default constructor,
 * created once. Each version's implementation becomes the shell's
 * [[Prototype]], and its prototype object the [[Prototype]] of the shell's
 * prototype. So `new Shell()` runs the latest constructor through the default
 * `super(...args)`, every instance (old or new) finds the latest methods and
 * accessors through its chain, `instanceof` and subclasses in other modules see
 * one class, and removed members leave the chain with the old implementation.
 *
 * The implementation's members are also copied onto the shell and its prototype (own
 * properties, as reflection expects them); the chain keeps the implementation behind them.
 *
 * Objects that become prototypes through `Object.setPrototypeOf` drop to
 * dictionary mode and V8 will not optimise `new` through them until something
 * makes them fast again; priming the implementation and its prototype before the
 * swap (DESIGN.md, "Traps already met") keeps `new` at plain speed.
 */
import type { HotSlot } from './cell.js';
import { isPrivateSymbol } from './privates.js';

/** Common base of every derived shell, before its first implementation is attached. */
export class Placeholder {}

/**
 * The key of a class initialiser: a base class in the initialiser form (transform.ts, initForm)
 * has its constructor body as the method under this key, and its shell is a base class that
 * allocates and then calls the initialiser its slot holds (`slot.t`: this one, or
 * {@link constructThrough} for an implementation without one; see ModuleHandle.attach).
 * `new` then allocates in a base constructor V8 can inline, and the allocation of an object
 * that does not escape is removed, as in plain code.
 */
export const INIT = Symbol('hot:constructor');

/** Shells that are base classes (initialiser form), recorded when their cell is made. */
const baseShells = new WeakSet<Function>();

export function noteShell(shell: Function): void {
  if (Object.getPrototypeOf(shell) === Function.prototype) baseShells.add(shell);
}

export function isBaseShell(shell: Function): boolean {
  return baseShells.has(shell);
}

/**
 * The initialiser a base shell runs for an implementation that has none of its own (a later
 * version in the other form, or one that now extends a class): it constructs through the
 * implementation, for the class `new` was called on, and the shell returns what that made.
 * The shell hands on eight arguments padded with undefined: trailing undefined ones are
 * dropped, so a rest parameter or `arguments.length` sees what was given (unless the caller
 * itself passed undefined last, or more than eight).
 */
export function constructThrough(shell: Function): (this: object, ...args: unknown[]) => object {
  return function construct(this: object, ...args: unknown[]): object {
    const prototype = Object.getPrototypeOf(this) as { constructor?: unknown } | null;
    const target = prototype?.constructor;
    if (typeof target !== 'function' || target.prototype !== prototype) throw new TypeError(`class ${shell.name}: cannot tell which class is being constructed (its prototype's constructor was replaced)`);
    let given = args.length;
    while (given > 0 && args[given - 1] === undefined) given--;
    return Reflect.construct(Object.getPrototypeOf(shell) as Function, args.slice(0, given), target);
  };
}

/**
 * The base of every base class the transform sees (`class A {}` becomes
 * `class A extends Root {}`). The constructor that allocates an instance is then
 * Root for every version, so V8 keeps one initial map for the shell and instances
 * made before and after a reload share one hidden class.
 */
export class Root {}

/** Member flags emitted by the transform in method version checks. */
export const STATIC = 1;
export const GETTER = 2;
export const SETTER = 4;

function probe(object: { __hotPrimeProbe?: unknown }): unknown {
  return object.__hotPrimeProbe;
}

let probeReady = false;

/**
 * Makes `prototype` a fast-mode prototype by reading through it from one inline-cache site: an
 * inline-cache miss makes the prototypes on the chain fast. The site exists once V8 has given
 * `probe` its feedback vector (after about 8 calls), so the first prime calls it more; after
 * that two reads do what 32 did (bench/calls.js and bench/tick.js, `new` after 0, 1 and 100
 * reloads on Node 20, 22 and 24: the same figures with 32, 2 and 1 reads), and a start-up that
 * attaches a thousand classes does not spend 50 ms priming.
 */
export function prime(prototype: object): void {
  if (!probeReady) {
    for (let i = 0; i < 32; i++) probe({});
    probeReady = true;
  }
  probe(Object.create(prototype));
  probe(Object.create(prototype));
}

/** Keys a shell (or its prototype) holds as copies of an implementation's members. */
const mirrored = new WeakMap<object, Set<PropertyKey>>();
/** What a class has of its own that is not a member (`length`, `name`, `prototype`). */
const OWN_OF_FUNCTION = new Set<PropertyKey>(['length', 'name', 'prototype', 'arguments', 'caller']);

/**
 * Copies the implementation's own methods and accessors onto the shell's prototype, so
 * reflection sees them where a plain class has them:
 * `Object.getOwnPropertyNames(C.prototype)`, a mixin copying them, an auto-bind loop. Copies
 * of a previous implementation that the new one no longer has are removed; what others put
 * on the shell is left alone. Returns how to undo it.
 */
function mirror(target: object, source: object, skip: Set<PropertyKey>): () => void {
  const before = new Map<PropertyKey, PropertyDescriptor | undefined>();
  const previous = mirrored.get(target) ?? new Set<PropertyKey>();
  const next = new Set<PropertyKey>();
  // Copies of the previous implementation's members are deleted, not redefined: redefining a
  // data property with another function leaves the field mutable, so V8 stops folding
  // `obj.method` to a constant, and a call site that ran before the reload calls the new
  // method without inlining it (4-5x slower; a class with an accessor escaped this only
  // because redefining an accessor drops the prototype to dictionary mode). Deleting drops
  // it to dictionary mode; priming after the swap makes it fast, with constant fields again.
  for (const key of previous) {
    before.set(key, Object.getOwnPropertyDescriptor(target, key));
    delete (target as Record<PropertyKey, unknown>)[key];
  }
  for (const key of Reflect.ownKeys(source)) {
    if (skip.has(key) || isPrivateSymbol(key)) continue;
    const descriptor = Object.getOwnPropertyDescriptor(source, key) as PropertyDescriptor;
    if (!('get' in descriptor || 'set' in descriptor || typeof descriptor.value === 'function')) continue;
    if (!before.has(key)) before.set(key, Object.getOwnPropertyDescriptor(target, key));
    Object.defineProperty(target, key, descriptor);
    next.add(key);
  }
  mirrored.set(target, next);
  return () => {
    for (const [key, descriptor] of before) {
      if (descriptor) Object.defineProperty(target, key, descriptor);
      else delete (target as Record<PropertyKey, unknown>)[key];
    }
    mirrored.set(target, previous);
  };
}

/**
 * Not copied onto a shell's prototype: the constructor, and the initialiser (a base shell finds
 * it in its slot, and reflection on the class must not meet it).
 */
const CONSTRUCTOR = new Set<PropertyKey>(['constructor', INIT]);

/**
 * Static methods and accessors as own properties of the shell. Forwarding accessors, made
 * once per name, rather than copies: redefining a static on the class at each reload made
 * `C.make()` 10x slower after the first reload (bench/calls.js, `static call + new`). The
 * accessor reads the member from the latest implementation with the class as receiver;
 * assigning to it puts a plain value on the class. Names the new implementation no longer
 * has are removed.
 */
/** Per shell: each forwarded static and whether it forwards a method or an accessor. */
const forwardedStatics = new WeakMap<Function, Map<PropertyKey, 'method' | 'accessor'>>();

function forwardStatics(shell: Function, impl: Function): () => void {
  const previous = forwardedStatics.get(shell) ?? new Map<PropertyKey, 'method' | 'accessor'>();
  const next = new Map<PropertyKey, 'method' | 'accessor'>();
  const before = new Map<PropertyKey, PropertyDescriptor | undefined>();
  const define = (key: PropertyKey, descriptor: PropertyDescriptor | undefined) => {
    if (!before.has(key)) before.set(key, Object.getOwnPropertyDescriptor(shell, key));
    if (descriptor) Object.defineProperty(shell, key, descriptor);
    else delete (shell as unknown as Record<PropertyKey, unknown>)[key];
  };
  for (const key of Reflect.ownKeys(impl)) {
    if (OWN_OF_FUNCTION.has(key) || isPrivateSymbol(key)) continue;
    const member = Object.getOwnPropertyDescriptor(impl, key) as PropertyDescriptor;
    const kind = 'get' in member || 'set' in member ? 'accessor' : typeof member.value === 'function' ? 'method' : null;
    if (!kind) continue;
    if (previous.get(key) === kind) {
      next.set(key, kind);
      continue;
    }
    if (!previous.has(key) && Object.prototype.hasOwnProperty.call(shell, key)) continue; // a static field, or the user's own
    next.set(key, kind);
    // A method is read from the latest implementation (V8 inlines this getter); an accessor
    // runs with the class as receiver, as `this` in a static getter must be the class.
    define(key, {
      get: kind === 'method'
        ? function () { return (Object.getPrototypeOf(shell) as Record<PropertyKey, unknown>)[key]; }
        : function (this: unknown) { return Reflect.get(Object.getPrototypeOf(shell), key, this); },
      set(this: unknown, value: unknown) {
        const current = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(shell), key);
        if (current?.set) Reflect.apply(current.set, this, [value]);
        else Object.defineProperty(this as object, key, { value, writable: true, enumerable: false, configurable: true });
      },
      enumerable: false,
      configurable: true,
    });
  }
  for (const key of previous.keys()) if (!next.has(key) && Object.getOwnPropertyDescriptor(shell, key)?.get) define(key, undefined);
  forwardedStatics.set(shell, next);
  return () => {
    for (const [key, descriptor] of before) {
      if (descriptor) Object.defineProperty(shell, key, descriptor);
      else delete (shell as unknown as Record<PropertyKey, unknown>)[key];
    }
    forwardedStatics.set(shell, previous);
  };
}

/** Points the shell at a new implementation. Returns how to point it back. */
export function attach(shell: Function, impl: Function): () => void {
  const previous = Object.getPrototypeOf(shell) as Function;
  const previousPrototype = Object.getPrototypeOf(shell.prototype) as object;
  prime(impl);
  prime(impl.prototype);
  Object.setPrototypeOf(shell, impl);
  Object.setPrototypeOf(shell.prototype, impl.prototype);
  const unmirrorMembers = mirror(shell.prototype, impl.prototype, CONSTRUCTOR);
  const unmirrorStatics = forwardStatics(shell, impl);
  prime(shell);
  prime(shell.prototype);
  return () => {
    unmirrorStatics();
    unmirrorMembers();
    Object.setPrototypeOf(shell, previous);
    Object.setPrototypeOf(shell.prototype, previousPrototype);
    prime(shell);
    prime(shell.prototype);
  };
}

function latestMember(slot: HotSlot, name: string, flags: number): Function | undefined {
  const impl = slot.impl;
  if (!impl) return undefined;
  const home = flags & STATIC ? impl : impl.prototype;
  const descriptor = Object.getOwnPropertyDescriptor(home, name);
  if (!descriptor) return undefined;
  const member = flags & GETTER ? descriptor.get : flags & SETTER ? descriptor.set : descriptor.value;
  return typeof member === 'function' ? member : undefined;
}

/**
 * Members of one class that hotfixes patched (runtime/hotfix.ts), for the cold path of method
 * version checks. While a class has any, its slot's `v` is {@link NO_VERSION} and the token of
 * `version` (the version that attached the implementation) is stale, so every method of the
 * class, copies taken before the hotfix included, asks `hasLatest`: a patched member answers
 * with its patch; any other member called from `version` itself runs its own body.
 */
interface MemberPatches {
  /** The slot's `v` before the first patch: the version whose methods are the class's. */
  readonly version: number;
  /** Patched functions by member flags (STATIC | GETTER | SETTER), then name; the newest patch of a member wins. */
  readonly members: (Map<string, Function> | undefined)[];
  /** Patches in effect (a member patched twice counts twice). */
  count: number;
}

/** A slot's `v` while its class has patched members: no version has it. */
const NO_VERSION = 0;
const memberPatches = new WeakMap<HotSlot, MemberPatches>();

/**
 * Makes `patch` what every copy and stale version of a member runs. Returns how to undo it;
 * undos must run newest first (they do: they live in undo logs).
 */
export function patchMember(slot: HotSlot, name: string, flags: number, patch: Function): () => void {
  let table = memberPatches.get(slot);
  if (!table) {
    table = { version: slot.v ?? NO_VERSION, members: [], count: 0 };
    memberPatches.set(slot, table);
    slot.v = NO_VERSION;
  }
  const patches = table;
  const members = (patches.members[flags] ??= new Map());
  const had = members.has(name);
  const previous = members.get(name);
  members.set(name, patch);
  patches.count++;
  return () => {
    if (had) members.set(name, previous as Function);
    else members.delete(name);
    if (--patches.count > 0) return;
    memberPatches.delete(slot);
    slot.v = patches.version;
  };
}

/**
 * Whether a method compiled by module version `caller` should forward to another function:
 * a hotfix patch of the member, or the latest version's member. Called only on the cold path,
 * when a copied or bound method of an old version runs, or any method of a patched class.
 */
export function hasLatest(slot: HotSlot, name: string, flags: number, caller: number): boolean {
  const patches = memberPatches.get(slot);
  if (patches) {
    if (patches.members[flags]?.has(name)) return true;
    // Not patched, and the caller is the class's own version: its body is the latest code.
    if (caller === patches.version) return false;
  }
  return latestMember(slot, name, flags) !== undefined;
}

/** Runs the patch or the latest version of a member on behalf of a stale copy. */
export function callLatest(slot: HotSlot, self: unknown, args: ArrayLike<unknown>, name: string, flags: number): unknown {
  const target = memberPatches.get(slot)?.members[flags]?.get(name) ?? latestMember(slot, name, flags);
  return Reflect.apply(target as Function, self, args);
}

/** `class X {}` and `class X extends Y {}` values, as opposed to functions. */
export function isClass(value: unknown): value is Function {
  return typeof value === 'function' && /^class\b/.test(Function.prototype.toString.call(value));
}

/** A shell for a class value made at run time (a mixin): not emitted by the transform. */
export function runtimeShell(name: string): Function {
  return { [name]: class extends Placeholder {} }[name];
}
