/**
 * Off-thread hooks for `module.register` (Node < 22.15). Same logic as the
 * in-thread hooks; only the `next*` calls are asynchronous.
 */
import { LoaderHooks } from './hooks.js';

export interface ThreadData {
  packageRoot: string;
  packageVersion: string;
  /** Its first word is set to 1 when the first hot module is found; the main thread only reads it. */
  hotSeen: Int32Array;
}

let hooks: LoaderHooks;

export function initialize(data: ThreadData): void {
  hooks = new LoaderHooks(data.packageRoot, data.packageVersion, { onFirstHot: () => Atomics.store(data.hotSeen, 0, 1), offThread: true });
}

type Next<T> = (specifierOrUrl: string, context: unknown) => Promise<T>;

export async function resolve(specifier: string, context: { parentURL?: string }, next: Next<{ url: string }>): Promise<{ url: string }> {
  return hooks.resolveEarly(specifier) ?? hooks.resolveKnown(specifier, context.parentURL) ?? hooks.adjustResolved(hooks.remember(specifier, context.parentURL, await next(specifier, context)));
}

export async function load(url: string, context: unknown, next: Next<{ format?: string | null; source?: unknown }>): Promise<unknown> {
  const binding = hooks.bindingModule(url);
  if (binding) return binding;
  if (!hooks.isHot(url)) return next(url, context);
  return hooks.transformLoaded(url, (await next(url, context)) as never);
}
