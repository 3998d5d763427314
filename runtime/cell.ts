/**
 * Cells: one per top-level binding per module, for the life of the process.
 */
import type { FunctionShape, StaticFieldInfo } from '../transform/types.js';

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
 * Points a slot at a new target. The target lives on a fresh holder object that
 * becomes the slot's [[Prototype]]; the holder's `t` is written once, so V8 folds
 * `slot.t` to a constant and inlines the target through the stand-in again after
 * every swap (writing `slot.t` in place would make the field mutable for good:
 * ~5 ns per call instead of ~0.6; bench/design/a-standins.mjs, variant A6).
 * Returns the previous holder, for undo.
 */
export function setTarget(slot: HotSlot, target: unknown): object {
  const previous = Object.getPrototypeOf(slot) as object;
  Object.setPrototypeOf(slot, { t: target });
  return previous;
}

/** Restores a holder returned by {@link setTarget}. */
export function restoreTarget(slot: HotSlot, holder: object): void {
  Object.setPrototypeOf(slot, holder);
}

export function createSlot(): HotSlot {
  // A fresh class per call gives every slot its own initial map.
  return new (class HotSlot {})() as HotSlot;
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
  /** Classes: static fields of the latest implementation. */
  statics?: StaticFieldInfo[];
  /** Data made by a call that returned a function: the forwarding stand-in and its slot. */
  forward?: { slot: HotSlot; standIn: Function };

  constructor(name: string, kind: CellKind, slot: HotSlot | null) {
    this.name = name;
    this.kind = kind;
    this.slot = slot;
  }
}
