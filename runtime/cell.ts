/**
 * Cells: one per top-level binding per module, for the life of the process.
 */
import type { FunctionShape, StaticFieldInfo } from '../transform/types.js';
import type { KeeperState } from './privates.js';

export type CellKind = 'function' | 'class' | 'data';

/**
 * The object generated code reads on every call (`__hot_K3.t`, `__hot_K3.v`).
 * Each one is made by its own class so it has a hidden class of its own: V8 then
 * treats its fields as constants until they are first swapped, and a swap in one
 * cell deoptimises only the code that read that cell.
 */
export interface HotSlot {
  /** Function cells: the stand-in. Class cells: the stable class (shell). */
  s: unknown;
  /** Function cells and call-made function values: the latest implementation. */
  t?: unknown;
  /** Class cells: the module version that last attached an implementation (first written by attach). */
  v?: number;
  /** Class cells: the latest implementation class. */
  impl?: Function | null;
}

/**
 * How many times a slot's target is swapped through a fresh holder before it falls
 * back to a plain field. A holder swap lets V8 inline the new target again, but each
 * swap deoptimises every caller that inlined the old one; with the game running
 * between reloads, V8 up to 12.x (Node 20, 22) stops re-optimising such a caller
 * after about ten deopts and leaves it at ~9.5 ns per call, while a field that has
 * been written twice costs a steady ~5 ns and deoptimises nothing more. V8 13+
 * (Node 24, 26) keeps re-optimising: 0.85 ns after 100 reloads with traffic.
 * Measured by bench/calls.js (HOT_BENCH_TRAFFIC) and bench/design/a-standins.mjs.
 */
const HOLDER_SWAPS = Number(process.versions.v8.split('.')[0]) >= 13 ? Infinity : 3;
const swaps = new WeakMap<HotSlot, number>();

/**
 * Points a slot at a new target. The target lives on a fresh holder object that
 * becomes the slot's [[Prototype]]; the holder's `t` is written once, so V8 folds
 * `slot.t` to a constant and inlines the target through the stand-in again after
 * the swap (writing `slot.t` in place makes the field mutable for good: ~5 ns per
 * call instead of ~0.6). Past {@link HOLDER_SWAPS} swaps the slot keeps its target
 * in an own field instead. Returns how to undo the swap.
 */
export function setTarget(slot: HotSlot, target: unknown): () => void {
  const count = (swaps.get(slot) ?? 0) + 1;
  swaps.set(slot, count);
  if (count <= HOLDER_SWAPS) {
    const previous = Object.getPrototypeOf(slot) as object;
    Object.setPrototypeOf(slot, { t: target });
    return () => {
      Object.setPrototypeOf(slot, previous);
      swaps.set(slot, count - 1);
    };
  }
  const own = Object.prototype.hasOwnProperty.call(slot, 't');
  const previous = slot.t;
  if (own) slot.t = target;
  else Object.defineProperty(slot, 't', { value: target, writable: true, enumerable: true, configurable: true });
  return () => {
    slot.t = previous;
    swaps.set(slot, count - 1);
  };
}

export function createSlot(): HotSlot {
  // A fresh class per call gives every slot its own initial map.
  return new (class HotSlot {})() as HotSlot;
}

/** The slot of an inline function, with what the runtime needs to swap it. */
export interface InlineSlot {
  slot: HotSlot;
  shape: FunctionShape;
  /** Hash of the implementation's source text. */
  fingerprint: string | undefined;
  nested: string | undefined;
}

export class Cell {
  /** The binding's name in its module. */
  readonly name: string;
  /** What the binding is now; a kind change makes a new cell (old references keep the old one). */
  readonly kind: CellKind;
  /** The value every version's binding holds: the stand-in, the class shell, or the data value. */
  value: unknown = undefined;
  /** Whether `value` has been set at least once. */
  initialised = false;
  /** Hot fields read by generated code (functions and classes). */
  readonly slot: HotSlot | null;
  /** Data: fingerprint of the initializer that produced (or last confirmed) the value. */
  fingerprint?: string;
  /** Functions: the kind the stand-in was born with. */
  shape?: FunctionShape;
  /** Functions: hash of the functions written inside (see `BindingInfo.nested`). */
  nested?: string;
  /** Classes: static fields of the latest implementation. */
  statics?: StaticFieldInfo[];
  /** Classes with `#private` members: their keeper (runtime/privates.ts), made once. */
  keeper?: KeeperState;
  /** Classes: static `#private` fields of the latest implementation. */
  privateStatics?: StaticFieldInfo[];
  /** Data made by a call that returned a function: the forwarding stand-in and its slot. */
  forward?: { slot: HotSlot; standIn: Function; first?: Function };

  constructor(name: string, kind: CellKind, slot: HotSlot | null) {
    this.name = name;
    this.kind = kind;
    this.slot = slot;
  }
}
