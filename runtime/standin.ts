/**
 * Stand-ins keep a function's identity across reloads. The transform emits one
 * plain forwarding function per binding (no Proxy on the call path); this file
 * dresses it to look like its target, and builds the Proxy stand-in used for
 * function values made by calls (`const app = express()`), which carry state and
 * properties of their own and are not called per entity per tick.
 */
import type { FunctionShape } from '../transform/types.js';
import type { HotSlot } from './cell.js';

const AsyncFunctionPrototype = Object.getPrototypeOf(async function () {});
const GeneratorFunctionPrototype = Object.getPrototypeOf(function* () {});
const AsyncGeneratorFunctionPrototype = Object.getPrototypeOf(async function* () {});

/** Gives a stand-in its target's name and length, and the prototype of the kind it is born as. */
export function dressStandIn(standIn: Function, target: Function, shape: FunctionShape | undefined, name: string): void {
  Object.defineProperty(standIn, 'name', { value: target.name || name, configurable: true });
  Object.defineProperty(standIn, 'length', { value: target.length, configurable: true });
  const prototype =
    shape === 'async' ? AsyncFunctionPrototype
    : shape === 'generator' ? GeneratorFunctionPrototype
    : shape === 'async-generator' ? AsyncGeneratorFunctionPrototype
    : null;
  if (prototype && Object.getPrototypeOf(standIn) !== prototype) Object.setPrototypeOf(standIn, prototype);
}

/** Keeps `length` in step when a new version changes the parameter list. */
export function updateLength(standIn: Function, target: Function): void {
  if (standIn.length !== target.length) Object.defineProperty(standIn, 'length', { value: target.length, configurable: true });
}

/**
 * A stand-in for a function value made by a call. Calls, `new`, and property
 * reads and writes all reach the latest value, so routes added through
 * `app.get(...)` land on the app that serves them. The Proxy target is the first
 * value, which keeps the Proxy invariants true for its non-configurable `prototype`.
 */
export function forwardingProxy(slot: HotSlot, first: Function): Function {
  const latest = () => slot.t as Function;
  const handler: ProxyHandler<Function> = {
    get: (_target, key) => {
      const target = latest();
      return Reflect.get(target, key, target);
    },
    set: (_target, key, value) => Reflect.set(latest(), key, value),
    has: (_target, key) => Reflect.has(latest(), key),
    deleteProperty: (_target, key) => Reflect.deleteProperty(latest(), key),
    defineProperty: (_target, key, descriptor) => Reflect.defineProperty(latest(), key, descriptor),
    ownKeys: () => Reflect.ownKeys(latest()),
    getOwnPropertyDescriptor: (target, key) => {
      const descriptor = Reflect.getOwnPropertyDescriptor(latest(), key);
      // A non-configurable property must exist on the Proxy target too; report the target's own.
      if (descriptor && !descriptor.configurable) return Reflect.getOwnPropertyDescriptor(target, key) ?? { ...descriptor, configurable: true };
      return descriptor;
    },
    getPrototypeOf: () => Reflect.getPrototypeOf(latest()),
  };
  handlers.set(slot, handler);
  return new Proxy(first, handler);
}

/** The handler of each call-made stand-in, by slot: its call traps come with the first new value. */
const handlers = new WeakMap<HotSlot, ProxyHandler<Function>>();

/**
 * Calls through a call-made stand-in reach the latest value. Until a reload gives it a new
 * value the Proxy has no call traps and calls its first value directly, with no frame of
 * ours between caller and callee (`Error.captureStackTrace(e, fn)` then trims as plain).
 * Returns how to go back to direct calls.
 */
export function forwardCalls(slot: HotSlot): () => void {
  const handler = handlers.get(slot);
  if (!handler || handler.apply) return () => {};
  const latest = () => slot.t as Function;
  handler.apply = (_target, self, args) => Reflect.apply(latest(), self, args);
  handler.construct = (_target, args, newTarget) => Reflect.construct(latest(), args, newTarget);
  return () => {
    delete handler.apply;
    delete handler.construct;
  };
}
