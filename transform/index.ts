/**
 * `@hot/loader/transform`: the pure transform, usable without the loader
 * (for tooling, tests, or a bundler plugin).
 */
export { transform } from './transform.js';
export { fingerprint } from './fingerprint.js';
export { HotError, type HotErrorCode } from './errors.js';
export type {
  BindingInfo,
  BindingKind,
  DataPragma,
  FunctionShape,
  ImportInfo,
  ModuleMeta,
  SourceMapObject,
  StaticFieldInfo,
  TransformOptions,
  TransformResult,
} from './types.js';
