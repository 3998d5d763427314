/**
 * Names the transform injects into user modules and the runtime answers to.
 * One module for both sides, so a rename can never leave them out of step.
 * Every injected identifier starts with `__hot` so it cannot collide with
 * ordinary user code; the transform refuses a module that declares one.
 */

/** `globalThis[Symbol.for(RUNTIME_KEY)]` is the runtime hub every hot module enters through. */
export const RUNTIME_KEY = '@hot/loader';

/** The module's handle on the runtime, returned by `enter()`. */
export const HANDLE = '__hot';
/** Module-local const holding this evaluation's version number. */
export const VERSION = '__hot_V';
/**
 * Module-local const holding this version's token: `{ s: false }` until a later
 * version commits. Method version checks test `__hot_T.s` first; V8 folds a field
 * written once, so the check costs nothing until the version is actually stale.
 */
export const TOKEN = '__hot_T';
/**
 * Module-local const holding the runtime's key of class initialisers (a symbol): a base class's
 * constructor body becomes the method under it, which the class's stable shell calls as it
 * allocates (transform.ts, initForm). Also the prefix of the shell's and the class's own
 * generated parameters (`__hot_I0`…).
 */
export const INIT = '__hot_I';
/** Module-local accessor object through which every write to a top-level binding goes. */
export const WRITER = '__hot_W';
/** Prefix of the module-local const that holds cell number N (`__hot_K3`). */
export const CELL_PREFIX = '__hot_K';
/** Prefix of the module-local const that holds the slot of inline function N (`__hot_J3`). */
export const INLINE_PREFIX = '__hot_J';
/** Prefixes of the module-local consts of nested function N: its slot and the closure maker. */
export const NESTED_PREFIX = '__hot_N';
export const MAKER_PREFIX = '__hot_M';
/** Prefix of the module-local const that holds the `#private` keeper of class cell N (`__hot_P3`, its symbols `__hot_P3_0`). */
export const PRIVATE_PREFIX = '__hot_P';
/**
 * Source of the keeper of a class with `#private` members (runtime/privates.ts), emitted in
 * each version's prologue; the runtime keeps the first. Its own name, `__hot_Q`, is local to it.
 */
export const KEEPER_SOURCE = (stamp: string) => `class __hot_Q extends ${stamp} { #p = __hot_Q.e || !__hot_Q.i ? {} : __hot_Q.i.call(this); `
  + 'static st(o) { new __hot_Q(o); return o; } static f(o) { return o.#p; } '
  + 'static p(o, n, x) { try { return o.#p; } catch { return __hot_Q.m(o, n, x, 0); } } '
  + 'static w(o, n, x) { try { return o.#p; } catch { return __hot_Q.m(o, n, x, 1); } } '
  + 'static b(o, n, x) { try { o.#p; return o; } catch { return __hot_Q.m(o, n, x, 2); } } '
  + 'static h(o, n) { try { return #p in o || __hot_Q.m(o, n, 0, 3); } catch { return __hot_Q.m(o, n, 0, 4); } } }';

/** Prefix of the module-local const that holds the stable class shell of cell N. */
export const SHELL_PREFIX = '__hot_S';
/** Local name given to an anonymous `export default function/class` or expression. */
export const DEFAULT_LOCAL = '__hot_default';
/** Parameters of the per-version setter closure. */
export const SETTER_INDEX = '__hot_i';
export const SETTER_VALUE = '__hot_v';
/** Prefix reserved for injected identifiers. */
export const RESERVED_PREFIX = '__hot';

/** Query parameter that carries a module's version in its URL (`file.js?hot=3`). */
export const VERSION_PARAM = 'hot';
/**
 * Query parameter of a module's shared binding `name` (`file.js?hot-binding=tick`): a tiny
 * module the hooks generate (`export let v; export function s(x) { v = x; }`), evaluated once
 * and imported by every version, so one assignment reaches every version and importer.
 */
export const BINDING_PARAM = 'hot-binding';
/** Source of a shared binding's module. */
export const BINDING_SOURCE = 'export let v; export function s(x) { v = x; }\n';
/** Prefix of the module-local import binding that sets shared binding N (`__hot_B3`), and of the dummy its declaration keeps (`__hot_L3`). */
export const BINDING_SETTER_PREFIX = '__hot_B';
export const BINDING_DUMMY_PREFIX = '__hot_L';
/** Query parameter the runtime resolves to tell the hooks a module's live version. */
export const LIVE_PARAM = 'hot-live';
/**
 * Query parameter of a hotfix file the runtime imports (`fire.js?hot-fix=3`, a fresh number
 * per run): the hooks load such a URL untouched, so a hotfix file inside the project never
 * becomes a hot module and each run evaluates the file's text of the moment.
 */
export const HOTFIX_PARAM = 'hot-fix';

/** Bumped whenever the shape of the transform output changes; part of the cache key. */
export const TRANSFORM_FORMAT = 12;
