/**
 * The control protocol: JSON text messages over one websocket.
 *
 *   request  { id, op, ...args }
 *   reply    { id, ok: true, result } | { id, ok: false, error: { code, message, ... }, result? }
 *   event    { event: 'report', report }        (after `subscribe`)
 *            { event: 'check', id, progress }    (while a `check` request runs)
 *
 * Every request is checked here before anything runs. The validator is written by hand:
 * eight operations with at most three arguments each fit in a page, and a schema library
 * would add a dependency and ~5-20 ms to every hot process's start for nothing a page
 * cannot check (tests/control.test.js fuzzes it with 10,000 messages).
 */

/** The operations, and the arguments each takes beside `id` and `op`. */
export const OPS = {
  reload: ['files'],
  reloadAll: [],
  rollback: [],
  hotfix: ['file'],
  check: ['rounds', 'invariants', 'ready'],
  status: [],
  subscribe: [],
  unsubscribe: [],
} as const satisfies Record<string, readonly string[]>;

export type Op = keyof typeof OPS;

export type RequestId = string | number;

export type Request =
  | { id: RequestId; op: 'reload'; files?: string[] }
  | { id: RequestId; op: 'hotfix'; file: string }
  | { id: RequestId; op: 'check'; rounds?: number; invariants?: string; ready?: ReadyMode }
  | { id: RequestId; op: 'reloadAll' | 'rollback' | 'status' }
  | { id: RequestId; op: 'subscribe' | 'unsubscribe' };

/**
 * When a `check` starts: `now`; `idle`, once no module has loaded for a while and the event
 * loop is mostly idle (the app finished starting); `call`, once the app called the runtime's `ready()`.
 */
export type ReadyMode = 'now' | 'idle' | 'call';
export const READY_MODES: readonly ReadyMode[] = ['now', 'idle', 'call'];

/** Error codes of refused requests (a failed batch has the runtime's codes: ERR_HOT_PARSE, …). */
export type ControlErrorCode =
  /** Not JSON, not an object, a binary frame, an unknown op or field, a value of the wrong type. */
  | 'ERR_HOT_BAD_REQUEST'
  /** A path that resolves (symlinks followed) outside the project root. */
  | 'ERR_HOT_OUTSIDE_ROOT'
  /** A path that does not exist. */
  | 'ERR_HOT_NOT_FOUND'
  /** A file that is not a loaded hot module. */
  | 'ERR_HOT_NOT_HOT'
  /** The endpoint failed inside (a bug): the request did nothing. */
  | 'ERR_HOT_CONTROL'
  /** Fleet: the file on this host is not the one the reload names (deploy it, or push it). */
  | 'ERR_HOT_FILE_DIFFERS'
  /** Fleet: a rollback of one request's batch, refused because another batch was applied after it. */
  | 'ERR_HOT_FLEET_MOVED';

export interface ErrorBody {
  code: string;
  message: string;
  file?: string;
  line?: number;
  column?: number;
}

export interface Reply {
  id: RequestId | null;
  ok: boolean;
  result?: unknown;
  error?: ErrorBody;
}

/** Largest message the endpoint reads; a larger one closes the connection (1009). */
export const MAX_MESSAGE_BYTES = 64 * 1024;
/** Most files one reload request may name. */
export const MAX_FILES = 10_000;
/** Longest path or id accepted. */
const MAX_STRING = 4096;

/** A refused request: the reply's error, and the id to answer to when the message had a usable one. */
export class RequestError extends Error {
  readonly code: ControlErrorCode;
  readonly id: RequestId | null;
  constructor(code: ControlErrorCode, message: string, id: RequestId | null = null) {
    super(message);
    this.name = 'RequestError';
    this.code = code;
    this.id = id;
  }
}

const describe = (value: unknown): string => {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return value.length > 40 ? `a string of ${value.length} characters` : `the string ${JSON.stringify(value)}`;
  if (typeof value === 'number') return `the number ${value}`;
  return `${typeof value === 'object' ? 'an' : 'a'} ${typeof value}`;
};

const isPath = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && value.length <= MAX_STRING && !value.includes('\0');

/**
 * Parses and checks one message.
 * @throws {RequestError} naming the field, what it got and what is allowed
 */
export function parseRequest(text: string): Request {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch (error) {
    throw new RequestError('ERR_HOT_BAD_REQUEST', `the message is not JSON: ${(error as Error).message}`);
  }
  if (message === null || typeof message !== 'object' || Array.isArray(message)) {
    throw new RequestError('ERR_HOT_BAD_REQUEST', `a request is a JSON object { id, op, ... }, got ${describe(message)}`);
  }
  const fields = message as Record<string, unknown>;
  const { id, op } = fields;
  const idOk = (typeof id === 'string' && id.length > 0 && id.length <= 200) || (typeof id === 'number' && Number.isSafeInteger(id));
  if (!idOk) throw new RequestError('ERR_HOT_BAD_REQUEST', `'id' must be a non-empty string (at most 200 characters) or an integer, got ${describe(id)}`);
  const reqId = id as RequestId;
  if (typeof op !== 'string' || !Object.prototype.hasOwnProperty.call(OPS, op)) {
    throw new RequestError('ERR_HOT_BAD_REQUEST', `'op' must be one of ${Object.keys(OPS).join(', ')}; got ${describe(op)}`, reqId);
  }
  const allowed: readonly string[] = OPS[op as Op];
  for (const key of Object.keys(fields)) {
    if (key !== 'id' && key !== 'op' && !allowed.includes(key)) {
      throw new RequestError('ERR_HOT_BAD_REQUEST', `unknown field '${key}' for op '${op}'; allowed: ${['id', 'op', ...allowed].join(', ')}`, reqId);
    }
  }
  switch (op as Op) {
    case 'reload': {
      const files = fields.files;
      if (files === undefined) return { id: reqId, op: 'reload' };
      if (!Array.isArray(files) || files.length === 0 || files.length > MAX_FILES || !files.every(isPath)) {
        throw new RequestError('ERR_HOT_BAD_REQUEST', `'files' must be a non-empty array (at most ${MAX_FILES}) of paths (non-empty strings of at most ${MAX_STRING} characters); got ${describe(files)}; leave it out to reload every changed module`, reqId);
      }
      return { id: reqId, op: 'reload', files: files as string[] };
    }
    case 'hotfix': {
      const file = fields.file;
      if (!isPath(file)) throw new RequestError('ERR_HOT_BAD_REQUEST', `'file' must be the hotfix file's path (a non-empty string of at most ${MAX_STRING} characters), got ${describe(file)}`, reqId);
      return { id: reqId, op: 'hotfix', file };
    }
    case 'check': {
      const { rounds, invariants, ready } = fields;
      if (rounds !== undefined && !(Number.isInteger(rounds) && (rounds as number) >= 1 && (rounds as number) <= 100)) {
        throw new RequestError('ERR_HOT_BAD_REQUEST', `'rounds' must be an integer from 1 to 100, got ${describe(rounds)}`, reqId);
      }
      if (invariants !== undefined && !isPath(invariants)) throw new RequestError('ERR_HOT_BAD_REQUEST', `'invariants' must be the invariants file's path (a non-empty string of at most ${MAX_STRING} characters), got ${describe(invariants)}`, reqId);
      if (ready !== undefined && !READY_MODES.includes(ready as ReadyMode)) throw new RequestError('ERR_HOT_BAD_REQUEST', `'ready' must be one of ${READY_MODES.join(', ')}, got ${describe(ready)}`, reqId);
      const request: Request = { id: reqId, op: 'check' };
      if (rounds !== undefined) request.rounds = rounds as number;
      if (invariants !== undefined) request.invariants = invariants as string;
      if (ready !== undefined) request.ready = ready as ReadyMode;
      return request;
    }
    case 'reloadAll':
    case 'rollback':
    case 'status':
      return { id: reqId, op: op as 'reloadAll' | 'rollback' | 'status' };
    case 'subscribe':
    case 'unsubscribe':
      return { id: reqId, op: op as 'subscribe' | 'unsubscribe' };
    default: {
      const never: never = op as never;
      throw new RequestError('ERR_HOT_BAD_REQUEST', `unknown op ${String(never)}`, reqId);
    }
  }
}
