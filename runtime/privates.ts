/**
 * `#private` members that survive reloads.
 *
 * A private name is branded per class evaluation, so a reload that made a new class would
 * leave every instance made before it unreadable to the new code. The transform therefore
 * keeps no `#name` of a hot class's own: each class gets one keeper, made once for the life
 * of the process, whose single private field `#p` holds a per-instance object with the
 * private fields (`"#gold": 10`). Private methods and accessors become members keyed by
 * symbols the keeper hands out (one per name, stable across versions), found through the
 * shell's chain like any method and left out of the shell's own keys. Static private fields
 * live in one object per class. Every access checks the keeper's brand first, so a foreign
 * object gets the TypeError plain code gives, with the member's name.
 *
 * The transform stamps `#p` on an instance where plain code would initialise its private
 * fields: in the first public field initialiser, else at the start of the constructor, else
 * around `super(...)` (`st`). Reads and writes are member expressions on the per-instance
 * object, so `+=`, `++`, `??=` and destructuring work unchanged, at plain speed
 * (bench/design/e-keepers.mjs, results/e-keepers.md).
 */
/** `util.types.isProxy`, loaded on the cold path only (an ES import of a builtin costs milliseconds at start). */
let isProxy: ((value: unknown) => boolean) | undefined;
const proxy = (value: unknown) => (isProxy ??= process.getBuiltinModule('node:util').types.isProxy)(value);

/** The base of every keeper: its constructor returns the object it is given, so `new Keeper(o)` adds `#p` to `o`. */
export class Stamp {
  constructor(target: object) {
    return target;
  }
}

/**
 * What generated code calls on a keeper. The transform writes the calls that touch `#p`
 * (`st`, `f`, `p`, `w`, `b`, `h`) into each module as a class literal: a class made by the
 * runtime would share one set of call-site feedback among all keepers, and a read of one
 * class's `#p` seeing another's private names runs 20x slower (Node 20). The runtime adds
 * the rest (the cold path `m`, the static side and the symbols).
 */
export interface KeeperCalls {
  /** Stamps `#p` on `target` (the instance being constructed); returns it. */
  st(target: object): object;
  /** The instance's private fields, for a read. */
  p(target: unknown, name: string, optional?: number): Record<string, unknown>;
  /** The instance's private fields, for a write. */
  w(target: unknown, name: string, optional?: number): Record<string, unknown>;
  /** `target` after its brand check: the receiver of a private method or accessor. */
  b<T>(target: T, name: string, optional?: number): T;
  /** `#name in target` for an instance member. */
  h(target: unknown, name: string): boolean;
  /** The class's static private fields, for a read. */
  q(target: unknown, name: string, optional?: number): Record<string, unknown>;
  /** The class's static private fields, for a write. */
  qw(target: unknown, name: string, optional?: number): Record<string, unknown>;
  /** `target` after the static brand check: the receiver of a static private method or accessor. */
  c<T>(target: T, name: string, optional?: number): T;
  /** `#name in target` for a static member. */
  k(target: unknown, name: string): boolean;
  /** The symbol that keys the private method or accessor `name`. */
  y(name: string): symbol;
}

/** The class literal the transform emits, as the runtime sees it. */
interface KeeperClass extends KeeperCalls {
  new (target: object): object;
  /** The instance's private fields, no check (the instance has them). */
  f(target: object): Record<string, unknown>;
  /** The latest version's initialiser of the private fields (`this` is the instance). */
  i: ((this: object) => Record<string, unknown>) | null;
  /** True while an instance made before its class had private fields is stamped: it gets none. */
  e: boolean;
  /** The cold path: a failed brand check (`kind` 0 read, 1 write, 2 receiver, 3 `in` false, 4 `in` a primitive). */
  m(target: unknown, name: string, optional: number, kind: number): unknown;
}

/** What the runtime keeps of a class's keeper. */
export interface KeeperState {
  keeper: KeeperCalls;
  /** The class's static private fields. */
  statics: Record<string, unknown>;
  /** Every implementation attached to the shell: `this` in a static initialiser or block. */
  implementations: WeakSet<object>;
  /** The symbols of private methods and accessors: kept off the shell's own keys. */
  symbols: Map<string, symbol>;
}

/** Every private member symbol any keeper made: reflection on the shell skips them. */
const privateSymbols = new Set<symbol>();
export function isPrivateSymbol(key: PropertyKey): boolean {
  return typeof key === 'symbol' && privateSymbols.has(key);
}

const isObject = (value: unknown): value is object => (typeof value === 'object' && value !== null) || typeof value === 'function';

/** Completes the keeper literal of one class (`shell`), once per process. */
export function makeKeeper(shell: Function, className: string, literal: Function): KeeperState {
  const Keeper = literal as unknown as KeeperClass;
  const state: KeeperState = { keeper: Keeper, statics: {}, implementations: new WeakSet(), symbols: new Map() };
  Keeper.e = false;
  Keeper.i = null;
  const isStatic = (target: unknown) => target === shell || (isObject(target) && state.implementations.has(target));
  const fail = (message: string): never => {
    throw new TypeError(message);
  };
  /** An instance made before its class had private members: plain code could not tell it apart. */
  const older = (target: unknown): target is object => isObject(target) && !proxy(target) && target instanceof shell;
  const messages = [
    (name: string) => `Cannot read private member ${name} from an object whose class did not declare it`,
    (name: string) => `Cannot write private member ${name} to an object whose class did not declare it`,
    () => `Receiver must be an instance of class ${className}`,
  ];
  Keeper.m = (target, name, optional, kind) => {
    if (kind === 3) return older(target);
    if (kind === 4) return fail(`Cannot use 'in' operator to search for '${name}' in ${String(target)}`);
    if (optional && target == null) return undefined;
    // It gets the members now, with no fields (a field a reload adds is undefined on old instances).
    if (!older(target)) return fail(messages[kind](name));
    Keeper.e = true;
    try {
      new Keeper(target);
    } finally {
      Keeper.e = false;
    }
    return kind === 2 ? target : Keeper.f(target);
  };
  Keeper.q = (target, name, optional) => (isStatic(target) ? state.statics : optional && target == null ? (undefined as never) : fail(messages[0](name)));
  Keeper.qw = (target, name, optional) => (isStatic(target) ? state.statics : optional && target == null ? (undefined as never) : fail(messages[1](name)));
  Keeper.c = <T>(target: T, _name: string, optional?: number): T => (isStatic(target) ? target : optional && target == null ? (undefined as T) : fail(`Receiver must be class ${className}`));
  Keeper.k = (target, name) => (isObject(target) ? isStatic(target) : fail(`Cannot use 'in' operator to search for '${name}' in ${String(target)}`));
  Keeper.y = (name) => {
    let symbol = state.symbols.get(name);
    if (!symbol) {
      symbol = Symbol(name);
      privateSymbols.add(symbol);
      state.symbols.set(name, symbol);
    }
    return symbol;
  };
  return state;
}

type Init = KeeperClass['i'];

/** The initialiser of the private fields new instances run (the latest version's). */
export function initOf(state: KeeperState): Init {
  return (state.keeper as KeeperClass).i;
}

/** Sets the initialiser new instances run (undo: set the previous one back). */
export function setInit(state: KeeperState, init: Init): void {
  (state.keeper as KeeperClass).i = init;
}
