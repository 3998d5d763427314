/**
 * `hot fleet`: one reload, hotfix or rollback for every hot process of a game, over Redis
 * (the protocol, and why pub/sub: control/fleet-protocol.ts).
 *
 *   hot fleet ps                        the processes, their module versions, stale ones marked
 *   hot fleet reload [files...]         --all, --push, --canary N, --wave N
 *   hot fleet hotfix <file>             always sent with its source
 *   hot fleet rollback                  the last applied batch of every process
 *
 * A rollout goes to the canary first (one process, or --canary N), then to the rest in waves.
 * When any process fails, every process that applied the change rolls it back, and the
 * command says which failed and why; the processes not reached yet are left untouched.
 * A process that does not answer within --wait is reported, never waited on longer.
 *
 * Exit codes as the local CLI: 0 applied everywhere, 1 failed (rolled back), 2 usage error,
 * 3 no fleet process, Redis unreachable, or a process that did not answer.
 */
import type { RedisClientType } from '@redis/client';
import { fleetKeys, fleetSettings, FleetSettingsError, messageId, openMessage, redact, seal, SeenIds, sha256, type FleetFile, type FleetMember, type FleetReply, type FleetRequest, type FleetSettings } from '../control/fleet-protocol.js';
import type { ErrorBody } from '../control/protocol.js';
import { ProjectConfigs } from '../loader/config.js';
import type { ReloadReport } from '../runtime/index.js';
import { fingerprint } from '../transform/fingerprint.js';
import { duration, errorLines, reportLines, shown, type Style } from './format.js';
const { parseArgs } = process.getBuiltinModule('node:util');
const { existsSync, readFileSync, realpathSync } = process.getBuiltinModule('node:fs');
const { isAbsolute, relative, resolve, sep } = process.getBuiltinModule('node:path');

export const FLEET_HELP = `Usage: hot fleet <command> [options]

Commands:
  ps                    every process of the fleet: host, pid, uptime, modules; stale ones marked
  reload [files...]     reload the named files everywhere (each must be the same on every host,
                        by sha256, unless --push sends this copy's source); without files,
                        every changed module; --all, every module
  hotfix <file>         run a hotfix file in every process (its source is sent)
  rollback              undo the last applied batch of every process

Options:
  --push                send this copy's sources with the reload (they are written on each host)
  --canary <n>          processes that take the change first (default 1)
  --wave <n>            processes per wave after the canary (default: all the rest at once)
  --bake <seconds>      after each step, wait this long, then every process that applied it must
                        report no uncaught exception or unhandled rejection since the rollout
                        began, and a passing health hook (default 0: asked at once)
  --wait <seconds>      how long a process has to answer each step (default 30; ps 3)
  --expect <n>          refuse to start unless at least n processes are present
  --json                print JSON instead of lines for people

The fleet is the "fleet" key of the "hot" config ({ "url": "redis://…", "name": "<game>" }),
or HOT_FLEET_URL and HOT_FLEET_NAME; the shared secret is HOT_FLEET_SECRET.
Exit codes: 0 applied everywhere, 1 failed (rolled back), 2 usage error, 3 no process, Redis
unreachable, or a process that did not answer.`;

const EXIT = { applied: 0, failed: 1, usage: 2, unreachable: 3 } as const;

interface Io {
  out(line: string): void;
  err(line: string): void;
  style: Style;
}

class UsageError extends Error {}

type Client = RedisClientType;
type Phase = 'check' | 'canary' | `wave ${number}`;

/** One process's part in a command. */
interface Step {
  member: FleetMember;
  phase: Phase | null;
  reply: FleetReply | null;
  /** Its rollback after another failed (null when it had nothing to undo). */
  rollback?: FleetReply | null;
  /** Its last health report (null: it did not answer). */
  health?: FleetReply | null;
}

export async function runFleetCommand(argv: string[], io: Io, cwd: string): Promise<number> {
  let args: ReturnType<typeof parse>;
  let settings: FleetSettings;
  let root: string;
  try {
    args = parse(argv);
    if (args.help) {
      io.out(FLEET_HELP);
      return EXIT.applied;
    }
    const here = realpathSync(cwd);
    const configs = new ProjectConfigs();
    root = configs.rootOf(here) ?? here;
    const found = fleetSettings(configs.configOfDirectory(here));
    if (!found) throw new UsageError(`no fleet is configured for ${root}: set "fleet": { "url": "redis://…", "name": "<game>" } in the "hot" config, or HOT_FLEET_URL and HOT_FLEET_NAME`);
    settings = found;
  } catch (error) {
    if (!(error instanceof UsageError || error instanceof FleetSettingsError || (error as { code?: string }).code === 'ERR_HOT_INVALID_ARGUMENT')) throw error;
    io.err(`hot fleet: ${(error as Error).message}`);
    io.err('Run hot fleet --help for usage.');
    return EXIT.usage;
  }
  let files: FleetFile[] | undefined;
  try {
    files = args.command === 'reload' || args.command === 'hotfix' ? filesOf(args.files, root, cwd, args.push || args.command === 'hotfix') : undefined;
  } catch (error) {
    io.err(`hot fleet: ${(error as Error).message}`);
    return EXIT.usage;
  }

  const bus = await Bus.open(settings).catch((error: Error) => error);
  if (bus instanceof Error) {
    io.err(`hot fleet: cannot reach Redis at ${redact(settings.url)}: ${bus.message}`);
    return EXIT.unreachable;
  }
  try {
    const { members, refused } = await bus.members();
    for (const key of refused) io.err(`hot fleet: ignored presence key ${key}: ${'not signed with this secret, or stale'}`);
    if (!members.length) {
      io.err(`hot fleet: no process of fleet ${settings.name} is running (none has a presence key at ${redact(settings.url)})`);
      return EXIT.unreachable;
    }
    if (members.length < args.expect) {
      io.err(`hot fleet: ${members.length} process${members.length === 1 ? '' : 'es'} of fleet ${settings.name} found, --expect ${args.expect}: nothing was sent (a process may be down, or its presence key gone)`);
      return EXIT.unreachable;
    }
    const waitMs = (args.wait ?? (args.command === 'ps' ? 3 : 30)) * 1000;
    if (args.command === 'ps') return await ps(bus, members, waitMs, root, args.json, io);
    if (args.command === 'rollback') {
      const replies = await bus.ask(members, { op: 'rollback' }, waitMs);
      const steps = members.map((member) => ({ member, phase: null, reply: replies.get(member.member) ?? null }));
      return outcome('rollback', steps, null, root, args.json, waitMs, io, bus.timings, bus.refused);
    }
    return await rollout(bus, members, args, files, waitMs, root, io);
  } finally {
    await bus.close();
  }
}

function parse(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      all: { type: 'boolean' },
      push: { type: 'boolean' },
      canary: { type: 'string' },
      wave: { type: 'string' },
      wait: { type: 'string' },
      bake: { type: 'string' },
      expect: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...files] = positionals;
  if (values.help) return { help: true as const, command: 'ps' as const, files: [], json: false, all: false, push: false, canary: 1, wave: Infinity, wait: undefined, bake: 0, expect: 0 };
  const commands = ['ps', 'reload', 'hotfix', 'rollback'] as const;
  if (!command) throw new UsageError(`hot fleet takes a command: ${commands.join(', ')}`);
  if (!(commands as readonly string[]).includes(command)) throw new UsageError(`unknown fleet command '${command}'; commands: ${commands.join(', ')}`);
  const count = (name: string, value: string | undefined, fallback: number): number => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} takes a number of processes (1 or more), got '${value}'`);
    return n;
  };
  const wait = values.wait === undefined ? undefined : Number(values.wait);
  if (wait !== undefined && !(wait > 0 && wait <= 3600)) throw new UsageError(`--wait takes a number of seconds (at most 3600), got '${values.wait}'`);
  const bake = values.bake === undefined ? 0 : Number(values.bake);
  if (!(bake >= 0 && bake <= 3600)) throw new UsageError(`--bake takes a number of seconds (0 to 3600), got '${values.bake}'`);
  if (command === 'hotfix' && files.length !== 1) throw new UsageError(`hot fleet hotfix takes one file, got ${files.length}`);
  if ((command === 'ps' || command === 'rollback') && files.length) throw new UsageError(`hot fleet ${command} takes no files, got ${files.join(' ')}`);
  if (command === 'reload' && values.all && files.length) throw new UsageError('hot fleet reload --all reloads every module: name files or pass --all, not both');
  if (values.push && (command !== 'reload' || !files.length)) throw new UsageError('--push sends the named files with a reload: hot fleet reload --push <files...>');
  const rollout = command === 'reload' || command === 'hotfix';
  for (const option of ['canary', 'wave', 'bake'] as const) {
    if (values[option] !== undefined && !rollout) throw new UsageError(`--${option} applies to reload and hotfix`);
  }
  if (values.all && command !== 'reload') throw new UsageError('--all applies to reload');
  if (values.expect !== undefined && command === 'ps') throw new UsageError('--expect applies to reload, hotfix and rollback');
  return {
    help: false as const,
    command: command as (typeof commands)[number],
    files,
    json: values.json === true,
    all: values.all === true,
    push: values.push === true,
    canary: count('canary', values.canary, 1),
    wave: count('wave', values.wave, Infinity),
    wait,
    bake,
    expect: values.expect === undefined ? 0 : count('expect', values.expect, 0),
  };
}

/** The named files as the fleet names them: relative to the project root, with their sha256 (and source). */
function filesOf(paths: string[], root: string, cwd: string, withSource: boolean): FleetFile[] | undefined {
  if (!paths.length) return undefined;
  return paths.map((path) => {
    const absolute = resolve(cwd, path);
    if (!existsSync(absolute)) throw new UsageError(`${path} does not exist`);
    const rel = relative(root, realpathSync(absolute));
    if (rel === '' || rel === '..' || rel.startsWith('..' + sep) || isAbsolute(rel)) throw new UsageError(`${path} is outside the project root ${root}`);
    const source = readFileSync(absolute, 'utf8');
    return { path: rel.split(sep).join('/'), sha256: sha256(source), ...(withSource ? { source } : {}) };
  });
}

/** The Redis side of one command: a client for commands, one subscribed to this command's reply channel. */
class Bus {
  readonly #settings: FleetSettings;
  readonly #keys: ReturnType<typeof fleetKeys>;
  readonly #client: Client;
  readonly #subscriber: Client;
  readonly #channel: string;
  readonly #seen = new SeenIds();
  /** Replies of the request in flight, by member. */
  #waiting: { id: string; from: Set<string>; replies: Map<string, FleetReply>; done: () => void } | null = null;
  /** Replies refused (bad signature, replay, stale): said once at the end. */
  readonly refused: string[] = [];
  /** Each request's round trip: publish to the last reply (or the wait's end), for --json and bench/fleet.js. */
  readonly timings: { op: string; processes: number; answered: number; ms: number }[] = [];

  private constructor(settings: FleetSettings, client: Client, subscriber: Client) {
    this.#settings = settings;
    this.#keys = fleetKeys(settings.name);
    this.#client = client;
    this.#subscriber = subscriber;
    this.#channel = this.#keys.replyPrefix + messageId();
  }

  static async open(settings: FleetSettings): Promise<Bus> {
    const { createClient } = await import('@redis/client');
    const client = createClient({ url: settings.url, socket: { reconnectStrategy: false, connectTimeout: 3000 } }) as Client;
    client.on('error', () => {}); // a failure rejects the command that meets it
    const subscriber = client.duplicate() as Client;
    subscriber.on('error', () => {});
    try {
      await client.connect();
      await subscriber.connect();
      const bus = new Bus(settings, client, subscriber);
      await subscriber.subscribe(bus.#channel, (wire: string) => bus.#receive(wire));
      return bus;
    } catch (error) {
      client.destroy();
      subscriber.destroy();
      throw error;
    }
  }

  async close(): Promise<void> {
    for (const client of [this.#subscriber, this.#client]) await client.close().catch(() => client.destroy());
  }

  /** The processes with a live presence key, verified; keys that fail verification by name. */
  async members(): Promise<{ members: FleetMember[]; refused: string[] }> {
    const keys: string[] = [];
    for await (const batch of this.#client.scanIterator({ MATCH: `${this.#keys.memberPrefix}*`, COUNT: 1000 })) keys.push(...(Array.isArray(batch) ? batch : [batch]).map(String));
    const values = keys.length ? await this.#client.mGet(keys) : [];
    const members: FleetMember[] = [];
    const refused: string[] = [];
    const now = Date.now();
    for (const [index, value] of values.entries()) {
      if (value === null) continue; // expired between SCAN and MGET
      try {
        const body = openMessage(this.#settings.secret, String(value), now, null);
        if (body.kind !== 'member' || this.#keys.memberPrefix + body.member !== keys[index]) throw new Error('not a member record of its key');
        members.push(body);
      } catch {
        refused.push(keys[index]);
      }
    }
    members.sort((a, b) => a.host.localeCompare(b.host) || a.pid - b.pid);
    return { members, refused };
  }

  #receive(wire: string): void {
    let body;
    try {
      body = openMessage(this.#settings.secret, wire, Date.now(), this.#seen);
    } catch (error) {
      if (this.refused.length < 100) this.refused.push((error as Error).message);
      return;
    }
    const waiting = this.#waiting;
    if (body.kind !== 'reply' || !waiting || body.re !== waiting.id || !waiting.from.has(body.member) || waiting.replies.has(body.member)) return;
    waiting.replies.set(body.member, body);
    if (waiting.replies.size === waiting.from.size) waiting.done();
  }

  /** Sends a request to `members`; their replies by member, once all answered or `waitMs` passed. */
  async ask(members: FleetMember[], fields: Pick<FleetRequest, 'op'> & Partial<FleetRequest>, waitMs: number): Promise<Map<string, FleetReply>> {
    const time = Date.now();
    const request: FleetRequest = { v: 1, kind: 'request', id: messageId(), time, deadline: time + waitMs, replyTo: this.#channel, to: members.map((m) => m.member), ...fields };
    const replies = new Map<string, FleetReply>();
    let timer: NodeJS.Timeout | undefined;
    const started = performance.now();
    await new Promise<void>((done, fail) => {
      this.#waiting = { id: request.id, from: new Set(request.to), replies, done };
      timer = setTimeout(done, waitMs);
      this.#client.publish(this.#keys.requests, seal(this.#settings.secret, request)).catch(fail);
    }).finally(() => {
      clearTimeout(timer);
      this.#waiting = null;
      this.timings.push({ op: request.op, processes: members.length, answered: replies.size, ms: Math.round((performance.now() - started) * 100) / 100 });
    });
    return Object.assign(replies, { requestId: request.id });
  }
}

/** `hot fleet ps`: who is there, and which of their modules differ from this copy's files. */
async function ps(bus: Bus, members: FleetMember[], waitMs: number, root: string, json: boolean, io: Io): Promise<number> {
  const replies = await bus.ask(members, { op: 'ps' }, waitMs);
  const now = Date.now();
  const local = new Map<string, string | null>();
  const hashHere = (file: string) => {
    if (!local.has(file)) {
      const path = resolve(root, file);
      local.set(file, existsSync(path) ? fingerprint(readFileSync(path, 'utf8')) : null);
    }
    return local.get(file);
  };
  type Module = { file: string; version: number; hash: string };
  const rows = members.map((member) => {
    const reply = replies.get(member.member);
    const result = reply?.ok ? (reply.result as { uptimeMs: number; modules: Module[]; oldVersions: number }) : null;
    const modules = result?.modules.map((module) => ({ file: module.file, version: module.version, stale: hashHere(module.file) !== module.hash })) ?? null;
    return { member: member.member, host: member.host, pid: member.pid, root: member.root, node: member.node, loader: member.loader, started: member.started, answered: Boolean(result), uptimeMs: result?.uptimeMs ?? null, oldVersions: result?.oldVersions ?? null, modules };
  });
  const silent = rows.filter((row) => !row.answered);
  if (json) io.out(JSON.stringify({ fleet: members.length, answered: rows.length - silent.length, timings: bus.timings, processes: rows }, null, 2));
  else {
    const hosts = new Set(members.map((member) => member.host)).size;
    io.out(`${members.length} process${members.length > 1 ? 'es' : ''} on ${hosts} host${hosts > 1 ? 's' : ''}${bus.refused.length ? io.style.red(` (${bus.refused.length} refused replies)`) : ''}`);
    for (const row of rows) {
      if (!row.modules) {
        io.out(`  ${row.host} pid ${row.pid}  ${io.style.red(`did not answer within ${waitMs / 1000} s`)} ${io.style.dim(`(${row.member}, last seen ${duration(now - Date.parse(row.started))} after start)`)}`);
        continue;
      }
      const stale = row.modules.filter((module) => module.stale);
      const state = stale.length ? io.style.yellow(`${stale.length} stale: ${stale.map((m) => `${m.file} v${m.version}`).join(', ')}`) : io.style.green('up to date');
      io.out(`  ${row.host} pid ${row.pid}  up ${duration(row.uptimeMs as number)}  ${row.modules.length} modules  ${state} ${io.style.dim(`(${row.member}, ${row.root === root ? '' : `${row.root}, `}node ${row.node})`)}`);
    }
  }
  return silent.length ? EXIT.unreachable : EXIT.applied;
}

/** Reload or hotfix: the canary, then waves; on any failure, every process that applied it rolls back. */
async function rollout(bus: Bus, members: FleetMember[], args: ReturnType<typeof parse>, files: FleetFile[] | undefined, waitMs: number, root: string, io: Io): Promise<number> {
  const fields: Pick<FleetRequest, 'op'> & Partial<FleetRequest> = args.command === 'hotfix'
    ? { op: 'hotfix', files }
    : { op: 'reload', ...(args.all ? { all: true as const } : files ? { files } : {}) };
  const phases: { phase: Phase; members: FleetMember[] }[] = [{ phase: 'canary', members: members.slice(0, args.canary) }];
  for (let start = args.canary, wave = 1; start < members.length; start += args.wave, wave++) phases.push({ phase: `wave ${wave}`, members: members.slice(start, start + args.wave) });
  const steps: Step[] = members.map((member) => ({ member, phase: null, reply: null }));
  if (fields.op === 'reload' && files) {
    // Before anything is applied anywhere: is every file on every host as named (or pushed), and hot there?
    const replies = await bus.ask(members, { op: 'verify', files }, waitMs);
    const refused = steps.filter((step) => !replies.get(step.member.member)?.ok);
    if (refused.length) {
      for (const step of refused) {
        step.phase = 'check';
        step.reply = replies.get(step.member.member) ?? null;
      }
      return outcome(args.command, steps, refused.find((step) => step.reply) ?? refused[0], root, args.json, waitMs, io, bus.timings, bus.refused);
    }
  }
  const stepOf = (member: FleetMember) => steps.find((step) => step.member === member) as Step;
  /** Every process asked to apply it, with the request's id: those that applied and those that did not answer. */
  const asked: { step: Step; request: string }[] = [];
  const began = Date.now();
  let failed: Step | null = null;
  let lost: Error | null = null;
  try {
    for (const { phase, members: group } of phases) {
      const replies = await bus.ask(group, fields, waitMs);
      const request = (replies as Map<string, FleetReply> & { requestId: string }).requestId;
      for (const member of group) {
        const step = stepOf(member);
        step.phase = phase;
        step.reply = replies.get(member.member) ?? null;
        if (step.reply?.ok || !step.reply) asked.push({ step, request });
        if (!step.reply?.ok) failed ??= step;
      }
      if (failed) break;
      // The health gate: after --bake seconds, every process that applied it so far reports what
      // went wrong since the rollout began (uncaught exceptions, unhandled rejections) and what
      // the health hook says. A silent one counts as unhealthy.
      if (args.bake > 0) await new Promise((resolveBake) => setTimeout(resolveBake, args.bake * 1000));
      const gated = asked.map((entry) => entry.step);
      const health = await bus.ask(gated.map((step) => step.member), { op: 'health', since: began }, waitMs);
      for (const step of gated) {
        step.health = health.get(step.member.member) ?? null;
        if (!step.health?.ok) failed ??= step;
      }
      if (failed) break;
    }
  } catch (error) {
    lost = error as Error; // Redis failed mid-rollout: undo what can be undone
  }
  if ((failed || lost) && asked.length) {
    // Each process undoes the batch of the request it applied, and only that. Those that did not
    // answer are asked too: a reload that finished after the command stopped waiting is undone
    // (the undo is queued behind it); one that never ran answers that it applied nothing.
    try {
      for (const request of new Set(asked.map((entry) => entry.request))) {
        const group = asked.filter((entry) => entry.request === request).map((entry) => entry.step);
        const replies = await bus.ask(group.map((step) => step.member), { op: 'rollback', undo: request }, waitMs);
        for (const step of group) step.rollback = replies.get(step.member.member) ?? null;
      }
    } catch (error) {
      lost ??= error as Error;
    }
  }
  return outcome(args.command, steps, failed, root, args.json, waitMs, io, bus.timings, bus.refused, lost);
}

/** Prints what happened in each process, and the exit code. */
function outcome(command: string, steps: Step[], failed: Step | null, root: string, json: boolean, waitMs: number, io: Io, timings: Bus['timings'], refused: string[], lost: Error | null = null): number {
  const silent = steps.filter((step) => step.phase !== null || command === 'rollback').filter((step) => !step.reply);
  const undid = (step: Step) => step.rollback?.ok === true && !(step.rollback.result as { nothing?: string } | undefined)?.nothing;
  const rolledBack = steps.filter(undid);
  // Applied (it answered so), and the undo failed or got no answer.
  const notRolledBack = steps.filter((step) => step.rollback !== undefined && step.reply?.ok && !undid(step));
  const checkOnly = steps.some((step) => step.phase === 'check');
  const untouched = steps.filter((step) => (step.phase === null || step.phase === 'check') && command !== 'rollback');
  const ok = !failed && silent.length === 0 && steps.every((step) => step.reply?.ok && (step.health === undefined || step.health?.ok));
  const code = ok && !lost ? EXIT.applied : lost || (silent.length && !steps.some((step) => step.reply && !step.reply.ok)) ? EXIT.unreachable : EXIT.failed;
  const local = (step: Step) => <T>(value: T): T => relocate(value, step.member.root, root);
  if (json) {
    io.out(JSON.stringify({
      ok: ok && !lost,
      op: command,
      ...(lost ? { lost: `Redis failed during the command: ${lost.message}` } : {}),
      ...(failed ? { failed: failed.member.member } : {}),
      timings,
      ...(refused.length ? { refused } : {}),
      processes: steps.map((step) => ({
        member: step.member.member, host: step.member.host, pid: step.member.pid, phase: step.phase,
        answered: step.reply !== null, ok: step.reply?.ok ?? false,
        ...(step.reply?.result !== undefined ? { result: local(step)(step.reply.result) } : {}),
        ...(step.reply?.error ? { error: local(step)(step.reply.error) } : {}),
        ...(step.health !== undefined ? { health: step.health ? local(step)(step.health.result) : null, healthy: step.health?.ok ?? false } : {}),
        ...(step.rollback !== undefined ? { rolledBack: step.rollback?.ok ?? false } : {}),
      })),
    }, null, 2));
    return code;
  }
  for (const step of steps) {
    if (step.phase === null && command !== 'rollback') continue;
    const who = `${step.phase ? `${step.phase}: ` : ''}${step.member.host} pid ${step.member.pid}`;
    if (!step.reply) {
      io.err(io.style.bold(who));
      io.err(`  ${io.style.red(`did not answer within ${waitMs / 1000} s`)} (it may have died, or lost Redis)`);
      continue;
    }
    io.out(io.style.bold(who));
    const report = step.reply.result as ReloadReport | undefined;
    const lines = report && typeof report === 'object' && 'modules' in report
      ? reportLines(local(step)(report), root, io.style)
      : [step.phase === 'check' ? `${io.style.red('cannot take it')}, nothing was applied` : `${command} ${io.style.red('failed')}, nothing changed`, ...errorLines(local(step)(step.reply.error as ErrorBody), root, io.style)];
    for (const line of lines) io.out(`  ${line}`);
    if (step.health !== undefined && !step.health?.ok) io.out(`  ${io.style.red('unhealthy')}: ${step.health ? step.health.error?.message : `no health report within ${waitMs / 1000} s (it may have died)`}`);
    if (step.rollback !== undefined) io.out(`  ${step.rollback?.ok ? io.style.yellow('rolled back') : io.style.red(`not rolled back: ${step.rollback?.error?.message ?? 'no answer'}`)}`);
  }
  const n = (list: Step[]) => `${list.length} process${list.length === 1 ? '' : 'es'}`;
  if (lost) io.err(io.style.red(`hot fleet: Redis failed during the ${command}: ${lost.message}; what each process reported is above, check the rest with hot fleet ps`));
  if (refused.length) io.err(io.style.red(`hot fleet: refused ${refused.length} repl${refused.length > 1 ? 'ies' : 'y'} (${refused[0]}): a process whose clock is off by more than 30 s, or someone without the secret, on the bus`));
  if (ok && !lost) io.out(`${command} ${io.style.green('applied')} on ${n(steps)}`);
  else {
    if (failed?.health !== undefined && !failed.health?.ok) {
      io.err(`hot fleet: ${command} applied, then ${failed.member.host} pid ${failed.member.pid} (${failed.phase}) was unhealthy: ${failed.health ? failed.health.error?.message : 'it gave no health report'}`);
    } else if (failed) {
      const where = failed.reply?.error;
      const at = where?.file ? `${shown(relocate(where.file, failed.member.root, root), root)}${where.line ? `:${where.line}:${where.column ?? 1}` : ''}: ` : '';
      io.err(`hot fleet: ${command} ${failed.phase === 'check' ? (failed.reply ? 'refused' : 'got no answer') : failed.reply ? 'failed' : 'got no answer'} on ${failed.member.host} pid ${failed.member.pid} (${failed.phase})${failed.reply ? `: ${at}${where?.code ?? ''} ${where?.message ?? ''}` : ''}`);
    }
    if (rolledBack.length) io.err(`rolled back on ${n(rolledBack)}: ${rolledBack.map((s) => `${s.member.host}/${s.member.pid}`).join(', ')}`);
    if (notRolledBack.length) io.err(io.style.red(`NOT rolled back on ${n(notRolledBack)}: ${notRolledBack.map((s) => `${s.member.host}/${s.member.pid}`).join(', ')}; check with hot fleet ps`));
    const unknown = silent.filter((step) => step.rollback !== undefined && !undid(step) && !(step.rollback?.result as { nothing?: string } | undefined)?.nothing);
    if (unknown.length) io.err(`asked to undo it, no answer: ${n(unknown)} (${unknown.map((s) => `${s.member.host}/${s.member.pid}`).join(', ')}); a process that comes back undoes it when the request reaches it`);
    if (checkOnly) io.err(`nothing was applied: ${steps.filter((step) => step.phase === 'check').length} of ${n(steps)} cannot take it (checked before the rollout)`);
    else if (untouched.length) io.err(`untouched: ${n(untouched)} (not reached)`);
  }
  return code;
}

/** A value from a process whose project lives at `from`, with its paths under `to` (this copy). */
function relocate<T>(value: T, from: string, to: string): T {
  if (from === to) return value;
  const text = JSON.stringify(value);
  return text === undefined ? value : JSON.parse(text.split(JSON.stringify(from + sep).slice(1, -1)).join(JSON.stringify(to + sep).slice(1, -1)));
}
