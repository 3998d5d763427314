/**
 * The fleet protocol: signed JSON messages over Redis pub/sub, shared by the agent inside
 * every hot process (control/fleet-agent.ts) and the `hot fleet` command (cli/fleet.ts).
 *
 * Why pub/sub and not streams: a fleet command is for the processes alive now. A process
 * that was down when a reload went out must not apply it when it comes back (it starts from
 * the files on disk), and a request older than {@link MAX_AGE_MS} is refused anyway, so the
 * history a stream keeps would only be trimmed away. Who should answer is known from the
 * presence keys (each process refreshes its own, with an expiry), so a message that is lost
 * shows up as a process that did not answer, and is reported as such.
 *
 * The bus is treated as hostile: a fleet message can run code in every process. Every
 * message is `hot1.<HMAC-SHA256 of the body text, base64url>.<body: JSON text>`, signed with
 * the fleet's shared secret (checked before the body is parsed); the body carries an id and a
 * time. A message is refused (and logged) when it is not of that shape, its signature does not
 * match, its time is more than MAX_AGE_MS away from ours, or its id was seen before (replay).
 */
import type { HotConfig } from '../loader/config.js';
import type { Discovery } from './discovery.js';

/** A message older (or newer) than this is refused: the replay window. */
export const MAX_AGE_MS = 30_000;
/** The largest message read or sent (a push carries sources). */
export const MAX_FLEET_MESSAGE_BYTES = 8 * 1024 * 1024;
/** The shortest shared secret accepted. */
export const MIN_SECRET_LENGTH = 16;
/** How often a process refreshes its presence key, and how long the key lives. */
export const HEARTBEAT_MS = 2000;
export const PRESENCE_TTL_MS = 6000;

export interface FleetSettings {
  /** redis:// or rediss:// URL. */
  url: string;
  /** The game's namespace: every key and channel of the fleet starts with `hot:fleet:<name>:`. */
  name: string;
  secret: string;
  /** The health module (relative to the project root), or null: its default export is the fleet's health hook. */
  health: string | null;
}

/** Why fleet settings cannot be used (a usage error for the CLI, a log line for a process). */
export class FleetSettingsError extends Error {
  override name = 'FleetSettingsError';
}

/**
 * The fleet settings of a project: the config's `fleet` key, with HOT_FLEET_URL and
 * HOT_FLEET_NAME over it, and the secret from HOT_FLEET_SECRET only (a secret does not
 * belong in package.json). Null when no URL is set, or HOT_FLEET=0.
 * @throws {FleetSettingsError} a URL is set but the name or secret is missing or bad
 */
export function fleetSettings(config: Pick<HotConfig, 'fleet' | 'source'>, env: NodeJS.ProcessEnv = process.env): FleetSettings | null {
  if (env.HOT_FLEET === '0') return null;
  const url = env.HOT_FLEET_URL || config.fleet?.url;
  if (!url) return null;
  if (!/^rediss?:\/\/./.test(url)) throw new FleetSettingsError(`the fleet URL must start with redis:// or rediss://, got ${JSON.stringify(redact(url))}`);
  const name = env.HOT_FLEET_NAME || config.fleet?.name;
  if (!name) throw new FleetSettingsError(`the fleet has a URL but no name: set "fleet": { "name": "<game>" } in ${config.source}, or HOT_FLEET_NAME`);
  if (!NAME.test(name)) throw new FleetSettingsError(`the fleet name must be 1-64 letters, digits, '.', '_' or '-', got ${JSON.stringify(name)}`);
  const secret = env.HOT_FLEET_SECRET;
  if (!secret) throw new FleetSettingsError('the fleet has a URL but no shared secret: set HOT_FLEET_SECRET (the same in every process and for hot fleet)');
  if (secret.length < MIN_SECRET_LENGTH) throw new FleetSettingsError(`HOT_FLEET_SECRET must be at least ${MIN_SECRET_LENGTH} characters, got ${secret.length}`);
  return { url, name, secret, health: config.fleet?.health ?? null };
}

const NAME = /^[A-Za-z0-9._-]{1,64}$/;

/** The URL with any password replaced, for messages. */
export function redact(url: string): string {
  return url.replace(/^(rediss?:\/\/)([^@/]*)@/, (_, scheme: string, auth: string) => `${scheme}${auth.includes(':') ? `${auth.slice(0, auth.indexOf(':'))}:***` : '***'}@`);
}

/** Keys and channels of one fleet. */
export function fleetKeys(name: string) {
  const prefix = `hot:fleet:${name}:`;
  return {
    /** Requests from `hot fleet` to the processes. */
    requests: `${prefix}requests`,
    /** Where one command's replies go (its random id after it). */
    replyPrefix: `${prefix}reply:`,
    /** One key per process, refreshed every HEARTBEAT_MS, gone PRESENCE_TTL_MS after it stops. */
    memberPrefix: `${prefix}member:`,
  };
}

/**
 * `verify`: would this reload's files apply here (on disk as named, or pushed; hot modules)? Changes nothing.
 * `health`: the uncaught exceptions and unhandled rejections since `since`, and the health hook's verdict.
 */
export type FleetOp = 'ps' | 'verify' | 'reload' | 'hotfix' | 'rollback' | 'health';

/** A file a reload names: its path relative to the project root, its content's sha256, and with --push its source. */
export interface FleetFile {
  path: string;
  sha256: string;
  source?: string;
}

export interface FleetRequest {
  v: 1;
  kind: 'request';
  id: string;
  time: number;
  /** The channel the replies go to. */
  replyTo: string;
  /** The members that act on it (the others ignore it). */
  to: string[];
  /**
   * When the command stops waiting for this step (ms since the epoch): a process that gets the
   * request later (it was stopped, or its connection stalled) does not apply it, since the
   * command has already reported it as not answering and may have rolled the others back.
   */
  deadline: number;
  op: FleetOp;
  /** reload: the files (none: every changed module; `all`: every hot module). hotfix: one, with its source. */
  files?: FleetFile[];
  all?: boolean;
  /**
   * rollback: undo what the request with this id applied here, and only that: refused when
   * another batch was applied since, and nothing to do when that request applied nothing here.
   * Without it, the last applied batch (as `hot rollback`).
   */
  undo?: string;
  /** health: report what went wrong after this time (ms since the epoch). */
  since?: number;
}

/** A `health` reply's result. */
export interface FleetHealth {
  /** Uncaught exceptions and unhandled rejections since the time asked about (the first 5). */
  errors: { kind: 'uncaught exception' | 'unhandled rejection'; message: string; at: string | null; time: number }[];
  /** The health hook's verdict: null when there is none. */
  hook: { ok: boolean; message: string | null } | null;
}

export interface FleetReply {
  v: 1;
  kind: 'reply';
  id: string;
  time: number;
  /** The request's id. */
  re: string;
  member: string;
  ok: boolean;
  result?: unknown;
  error?: { code: string; message: string; file?: string; line?: number; column?: number };
}

/** What a process publishes in its presence key: what its discovery file says of it, less the endpoint. */
export interface FleetMember extends Pick<Discovery, 'pid' | 'root' | 'entry' | 'node' | 'loader' | 'started'> {
  v: 1;
  kind: 'member';
  id: string;
  time: number;
  member: string;
  host: string;
}

export type FleetBody = FleetRequest | FleetReply | FleetMember;

/** A refused message: why, for the log. */
export class FleetRefusal extends Error {
  override name = 'FleetRefusal';
}

const crypto = () => process.getBuiltinModule('node:crypto');

export function sha256(text: string): string {
  return crypto().createHash('sha256').update(text).digest('hex');
}

/** A fresh message id. */
export function messageId(): string {
  return crypto().randomBytes(12).toString('base64url');
}

function signature(secret: string, text: string): Buffer {
  return crypto().createHmac('sha256', secret).update(text).digest();
}

/** What every wire message starts with: the protocol, then the signature, then the body. */
const PREFIX = 'hot1.';
/** An HMAC-SHA256 in base64url, without padding. */
const SIGNATURE_LENGTH = 43;

/**
 * The wire text of a body, signed: `hot1.<HMAC-SHA256 of the body text, base64url>.<body text>`.
 * The signature comes first so that a receiver checks it before it parses anything: a message
 * from someone without the secret costs one HMAC, never a JSON parse of what they sent.
 */
export function seal(secret: string, body: FleetBody): string {
  const text = JSON.stringify(body);
  return `${PREFIX}${signature(secret, text).toString('base64url')}.${text}`;
}

/**
 * Ids seen within the replay window, each kept until its time is out of the window
 * (after that the time check refuses a replay anyway). Bounded: past `limit` ids the
 * oldest go first.
 */
export class SeenIds {
  readonly #ids = new Map<string, number>();
  constructor(readonly limit = 100_000) {}

  /** Records `id`; false when it was seen before. */
  add(id: string, time: number, now: number): boolean {
    if (this.#ids.has(id)) return false;
    for (const [old, at] of this.#ids) {
      if (at >= now - MAX_AGE_MS && this.#ids.size < this.limit) break;
      this.#ids.delete(old);
    }
    this.#ids.set(id, time);
    return true;
  }
}

/**
 * The body of a wire message, verified: shape, signature, then (with `seen`) time and id.
 * Presence records are read without `seen`: the same record is read by every `ps`; their
 * time is checked against the presence lifetime instead.
 * @throws {FleetRefusal} saying why
 */
export function openMessage(secret: string, wire: string, now: number, seen: SeenIds | null, maxAgeMs = MAX_AGE_MS): FleetBody {
  if (wire.length > MAX_FLEET_MESSAGE_BYTES) throw new FleetRefusal(`a message of ${wire.length} bytes (the limit is ${MAX_FLEET_MESSAGE_BYTES})`);
  if (!wire.startsWith(PREFIX) || wire[PREFIX.length + SIGNATURE_LENGTH] !== '.') throw new FleetRefusal(`an unsigned message (not ${PREFIX}<signature>.<body>)`);
  const given = Buffer.from(wire.slice(PREFIX.length, PREFIX.length + SIGNATURE_LENGTH), 'base64url');
  const text = wire.slice(PREFIX.length + SIGNATURE_LENGTH + 1);
  const expected = signature(secret, text);
  if (given.length !== expected.length || !crypto().timingSafeEqual(given, expected)) throw new FleetRefusal('a message with a bad signature (another secret, or altered)');
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text);
  } catch {
    throw new FleetRefusal('a signed message whose body is not JSON');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new FleetRefusal('a signed message whose body is not an object');
  const { v, id, time, kind } = body;
  if (v !== 1) throw new FleetRefusal(`a message of protocol version ${JSON.stringify(v)} (this is 1)`);
  if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{8,64}$/.test(id)) throw new FleetRefusal('a message without a valid id');
  if (typeof time !== 'number' || !Number.isFinite(time)) throw new FleetRefusal(`message ${id} has no time`);
  if (Math.abs(now - time) > maxAgeMs) throw new FleetRefusal(`stale message ${id}: sent ${Math.round((now - time) / 1000)} s ago (the limit is ${maxAgeMs / 1000} s; are the clocks in step?)`);
  if (seen && !seen.add(id, time, now)) throw new FleetRefusal(`replayed message ${id}`);
  if (kind === 'request') return checkRequest(body);
  if (kind === 'reply' || kind === 'member') return body as unknown as FleetBody;
  throw new FleetRefusal(`message ${id} of unknown kind ${JSON.stringify(kind)}`);
}

const OPS: readonly FleetOp[] = ['ps', 'verify', 'reload', 'hotfix', 'rollback', 'health'];

function checkRequest(body: Record<string, unknown>): FleetRequest {
  const { id, replyTo, to, op, files, all, undo, deadline, time, since } = body;
  const bad = (what: string): never => {
    throw new FleetRefusal(`request ${id as string}: ${what}`);
  };
  if (typeof replyTo !== 'string' || !/^hot:fleet:[A-Za-z0-9._-]{1,64}:reply:[A-Za-z0-9_-]{8,64}$/.test(replyTo)) bad("'replyTo' is not a reply channel of a fleet");
  if (!Array.isArray(to) || to.length === 0 || !to.every((member) => typeof member === 'string' && member.length <= 300)) bad("'to' must list the members");
  if (!OPS.includes(op as FleetOp)) bad(`unknown op ${JSON.stringify(op)}`);
  if (typeof deadline !== 'number' || !(deadline >= (time as number)) || deadline - (time as number) > 3_600_000) bad("'deadline' must be a time after the request's, within the hour");
  if (all !== undefined && (all !== true || op !== 'reload')) bad("'all' is for reload only, and true");
  if (undo !== undefined && (op !== 'rollback' || typeof undo !== 'string' || !/^[A-Za-z0-9_-]{8,64}$/.test(undo))) bad("'undo' is for rollback only, and a request id");
  if (files !== undefined) {
    if (op !== 'reload' && op !== 'hotfix' && op !== 'verify') bad(`'files' does not apply to ${op as string}`);
    if (!Array.isArray(files) || files.length === 0 || files.length > 10_000) bad("'files' must be a non-empty array");
    for (const file of files as unknown[]) {
      const { path, sha256: hash, source, ...rest } = (file ?? {}) as Record<string, unknown>;
      if (Object.keys(rest).length) bad(`unknown field '${Object.keys(rest)[0]}' in a file`);
      if (typeof path !== 'string' || path === '' || path.length > 4096 || path.includes('\0')) bad('a file without a path');
      if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash)) bad(`${path as string}: no sha256`);
      if (source !== undefined && typeof source !== 'string') bad(`${path as string}: the source is not text`);
    }
  }
  if (op === 'hotfix' && (!Array.isArray(files) || files.length !== 1 || typeof (files[0] as FleetFile).source !== 'string')) bad('a hotfix carries one file with its source');
  if (all && files) bad("'all' and 'files' together");
  if (op === 'verify' && files === undefined) bad('verify names the files');
  if (since !== undefined && (op !== 'health' || typeof since !== 'number' || !Number.isFinite(since))) bad("'since' is for health only, and a time");
  if (op === 'health' && since === undefined) bad("health needs 'since'");
  return body as unknown as FleetRequest;
}
