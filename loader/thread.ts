/**
 * Off-thread hooks for `module.register` (Node < 22.15). Same logic as the
 * in-thread hooks; only the `next*` calls are asynchronous.
 */
import type { HotConfig } from './config.js';
import { LoaderHooks } from './hooks.js';

export interface ThreadData {
  config: HotConfig;
  packageRoot: string;
  packageVersion: string;
}

let hooks: LoaderHooks;

export function initialize(data: ThreadData): void {
  hooks = new LoaderHooks(data.config, data.packageRoot, data.packageVersion);
}

type Next<T> = (specifierOrUrl: string, context: unknown) => Promise<T>;

export async function resolve(specifier: string, context: unknown, next: Next<{ url: string }>): Promise<{ url: string }> {
  return hooks.resolveEarly(specifier) ?? hooks.adjustResolved(await next(specifier, context));
}

export async function load(url: string, context: unknown, next: Next<{ format?: string | null; source?: unknown }>): Promise<unknown> {
  if (!hooks.isHot(url)) return next(url, context);
  return hooks.transformLoaded(url, (await next(url, context)) as never);
}
