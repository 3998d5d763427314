/**
 * `hot`: operate running hot processes from a terminal or a script.
 *
 *   hot reload [files...]    hot reload --all    hot rollback    hot status
 *   hot hotfix <file>        hot ps              hot check <entry>
 *   hot fleet ps|reload|hotfix|rollback (cli/fleet.ts)
 *
 * Exit codes scripts can trust: 0 applied, 1 the reload (or hotfix, rollback) failed and
 * nothing changed, 2 usage error, 3 no process, cannot connect, or refused. `hot check`: 0
 * no findings, 1 findings, 2 usage error or the app did not start (cli/check.ts).
 */
import { checkDirectory, discoveryDirectory, DiscoveryError, listDiscoveries, type Discovery } from '../control/discovery.js';
import type { Reply } from '../control/protocol.js';
import { ProjectConfigs } from '../loader/config.js';
import { COLOUR, errorLines, PLAIN, psLines, reportLines, statusLines, type Style } from './format.js';
import { ConnectError, ControlSocket } from './socket.js';
import { CHECK_HELP, CheckAborted, runCheckCommand, type CheckArguments } from './check.js';
import { runFleetCommand } from './fleet.js';
const { parseArgs } = process.getBuiltinModule('node:util');
const { existsSync, realpathSync } = process.getBuiltinModule('node:fs');
const { resolve } = process.getBuiltinModule('node:path');

/** The package's version, written in by the build (scripts/build.mjs). */
declare const PACKAGE_VERSION: string;

const EXIT = { applied: 0, failed: 1, usage: 2, unreachable: 3 } as const;
const CONNECT_TIMEOUT_MS = 5000;

const HELP: Record<string, string> = {
  '': `Usage: hot <command> [options]

Commands:
  reload [files...]   reload the named modules, or every module whose file changed
  reload --all        reload every hot module, changed or not
  rollback            undo the last applied reload or hotfix
  status              the process's hot modules and versions
  hotfix <file>       run a hotfix file inside the process
  ps                  the running hot processes of this project
  check <entry>       start the app, reload every module, report what would break or leak
  fleet <command>     ps, reload, hotfix, rollback for every process of a game, over Redis

Options:
  --pid <pid|all>     the process to talk to when several run; all: each of them
  --json              print JSON instead of lines for people
  -h, --help          this help, or a command's: hot reload --help
  -v, --version       the version of @hot/loader

Processes are found through their discovery files (see README, "Control endpoint").
Exit codes: 0 applied, 1 failed (nothing changed), 2 usage error, 3 no process, cannot connect or refused.`,
  reload: `Usage: hot reload [files...] [--all] [--pid <pid|all>] [--json]

Reloads the named files as one all-or-nothing batch; without files, every module whose
file changed; with --all, every hot module. Paths are relative to this directory.
Exit: 0 applied, 1 failed (nothing changed), 2 usage error, 3 no process or refused.`,
  rollback: `Usage: hot rollback [--pid <pid|all>] [--json]

Undoes the last applied reload or hotfix (each call one more).
Exit: 0 applied, 1 nothing to roll back or failed, 2 usage error, 3 no process or refused.`,
  status: `Usage: hot status [--pid <pid|all>] [--all] [--json]

Prints the process (node, uptime, entry), each hot module with its live version, and what
old versions keep in memory. --all: every process of this project.`,
  hotfix: `Usage: hot hotfix <file> [--pid <pid|all>] [--json]

Runs a hotfix file inside the process: its default export patches functions, methods and
values through the hotfix API (README, "Hotfix files"). Undo it with hot rollback.
Exit: 0 applied, 1 failed (nothing changed), 2 usage error, 3 no process or refused.`,
  ps: `Usage: hot ps [--all] [--json]

Lists the running hot processes of this project (the nearest package.json above this
directory); --all: every hot process of this user.`,
};

const COMMANDS = ['reload', 'rollback', 'status', 'hotfix', 'ps'] as const;
type Command = (typeof COMMANDS)[number];

class UsageError extends Error {}

/** One process's outcome of a command, for printing and the exit code. */
interface Outcome {
  pid: number;
  exit: number;
  /** What --json prints for this process. */
  json: Record<string, unknown>;
  lines: string[];
}

async function main(argv: string[]): Promise<number> {
  const { out, err, style } = streams();
  if (argv[0] === 'check') return checkMain(argv.slice(1), out, err, style);
  if (argv[0] === 'fleet') return runFleetCommand(argv.slice(1), { out, err, style }, process.cwd());
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    err(`hot: ${(error as Error).message}`);
    err(`Run hot --help for usage.`);
    return EXIT.usage;
  }
  const { command, files, values } = parsed;
  if (values.version) {
    out(PACKAGE_VERSION.split('+')[0]);
    return EXIT.applied;
  }
  if (values.help || !command) {
    (command || values.help ? out : err)(HELP[command ?? '']);
    return command || values.help ? EXIT.applied : EXIT.usage;
  }

  const cwd = process.cwd();
  // The project the command is about: the nearest package.json above the working directory,
  // found as the loader finds a module's project (real paths, as the endpoint publishes its root).
  const here = realpathSync(cwd);
  const root = new ProjectConfigs().rootOf(here) ?? here;
  let running: Discovery[];
  try {
    const directory = discoveryDirectory();
    if (existsSync(directory)) checkDirectory(directory);
    running = listDiscoveries(directory);
  } catch (error) {
    err(`hot: cannot read the discovery directory: ${error instanceof DiscoveryError ? error.message : (error as Error).message}`);
    return EXIT.unreachable;
  }
  const ours = running.filter((discovery) => discovery.root === root);
  const none = () => `hot: no hot process of ${root} is running; start one with: node --import @hot/loader <entry.js>`;

  if (command === 'ps') {
    const listed = values.all ? running : ours;
    if (values.json) out(JSON.stringify(listed.map(({ token: _token, ...rest }) => rest), null, 2));
    else if (listed.length) for (const line of psLines(listed, cwd, Date.now())) out(line);
    if (!listed.length) {
      if (!values.json) err(values.all ? 'hot: no hot process is running' : none());
      return EXIT.unreachable;
    }
    return EXIT.applied;
  }

  // Which processes: --pid N (any project of this user), --pid all (each of this project's),
  // or the only one of this project.
  let targets: Discovery[];
  const everyProcess = values.pid === 'all' || (values.all && command !== 'reload');
  if (values.pid !== undefined && values.pid !== 'all') {
    const pid = Number(values.pid);
    const found = running.find((discovery) => discovery.pid === pid);
    if (!found) {
      err(`hot: no hot process with pid ${values.pid}${running.length ? ` (running: ${running.map((d) => d.pid).join(', ')})` : ''}`);
      return EXIT.unreachable;
    }
    targets = [found];
  } else if (everyProcess) {
    targets = ours;
  } else {
    if (ours.length > 1) {
      err(`hot: ${ours.length} hot processes of ${root} are running (pids ${ours.map((d) => d.pid).join(', ')}); choose one with --pid <pid>, or each with --pid all`);
      return EXIT.usage;
    }
    targets = ours;
  }
  if (targets.length === 0) {
    err(none());
    return EXIT.unreachable;
  }

  const request = requestOf(command, files, values, cwd);
  const outcomes = await Promise.all(targets.map((target) => send(target, request, command, cwd, style)));
  if (values.json) {
    const json = outcomes.map((outcome) => ({ pid: outcome.pid, ...outcome.json }));
    out(JSON.stringify(targets.length === 1 && !everyProcess ? json[0] : json, null, 2));
  } else {
    for (const outcome of outcomes) {
      if (targets.length > 1 || everyProcess) out(style.bold(`pid ${outcome.pid}:`));
      for (const line of outcome.lines) (outcome.exit === EXIT.unreachable ? err : out)(line);
    }
  }
  return Math.max(...outcomes.map((outcome) => outcome.exit));
}

/** `hot check`: options of its own, and no running process to find (it starts one). */
async function checkMain(argv: string[], out: (line: string) => void, err: (line: string) => void, style: Style): Promise<number> {
  let args: CheckArguments;
  try {
    const split = argv.indexOf('--');
    const own = split === -1 ? argv : argv.slice(0, split);
    const { values, positionals } = parseArgs({
      args: own,
      allowPositionals: true,
      strict: true,
      options: {
        rounds: { type: 'string' },
        timeout: { type: 'string' },
        'ready-line': { type: 'string' },
        'ready-call': { type: 'boolean' },
        invariants: { type: 'string' },
        verbose: { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      out(CHECK_HELP);
      return EXIT.applied;
    }
    if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'hot check takes the entry file: hot check server.js' : `hot check takes one entry file, got ${positionals.join(' ')}; pass the app's arguments after --`);
    const rounds = values.rounds === undefined ? 3 : Number(values.rounds);
    if (!Number.isInteger(rounds) || rounds < 1 || rounds > 100) throw new UsageError(`--rounds takes an integer from 1 to 100, got '${values.rounds}'`);
    const timeout = values.timeout === undefined ? 30 : Number(values.timeout);
    if (!(timeout > 0) || !Number.isFinite(timeout)) throw new UsageError(`--timeout takes a number of seconds, got '${values.timeout}'`);
    let readyLine: RegExp | null = null;
    if (values['ready-line'] !== undefined) {
      try {
        readyLine = new RegExp(values['ready-line']);
      } catch (error) {
        throw new UsageError(`--ready-line is not a regular expression: ${(error as Error).message}`);
      }
    }
    if (readyLine && values['ready-call']) throw new UsageError('--ready-line and --ready-call are two ways to say when the app is ready: pass one');
    args = {
      entry: positionals[0],
      appArguments: split === -1 ? [] : argv.slice(split + 1),
      rounds,
      timeoutMs: timeout * 1000,
      readyLine,
      readyCall: values['ready-call'] === true,
      invariants: values.invariants ?? null,
      verbose: values.verbose === true,
      json: values.json === true,
    };
  } catch (error) {
    err(`hot: ${(error as Error).message}`);
    err('Run hot check --help for usage.');
    return EXIT.usage;
  }
  const terminal = process.stderr.isTTY === true;
  let shownProgress = false;
  const progress = (line: string | null) => {
    if (!terminal) return;
    if (line === null) {
      if (shownProgress) process.stderr.write('\r\x1b[K');
      shownProgress = false;
      return;
    }
    process.stderr.write(`\r\x1b[K${line.slice(0, (process.stderr.columns || 80) - 1)}`);
    shownProgress = true;
  };
  try {
    return await runCheckCommand(args, { out, err, progress, style }, process.cwd());
  } catch (error) {
    if (!(error instanceof CheckAborted)) throw error;
    err(`hot check: ${error.message}`);
    const signal = (error as { signal?: string }).signal;
    return signal === 'SIGINT' ? 130 : signal === 'SIGTERM' ? 143 : EXIT.usage;
  }
}

function parse(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      pid: { type: 'string' },
      all: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
  const [name, ...files] = positionals;
  if (name !== undefined && !(COMMANDS as readonly string[]).includes(name)) throw new UsageError(`unknown command '${name}'; commands: ${[...COMMANDS, 'check', 'fleet'].join(', ')}`);
  const command = name as Command | undefined;
  if (values.pid !== undefined && values.pid !== 'all' && !/^[1-9]\d*$/.test(values.pid)) throw new UsageError(`--pid takes a process id or 'all', got '${values.pid}'`);
  if (command && !values.help) {
    if (command === 'hotfix' && files.length !== 1) throw new UsageError(`hot hotfix takes one file, got ${files.length}`);
    if (command !== 'reload' && command !== 'hotfix' && files.length) throw new UsageError(`hot ${command} takes no files, got ${files.join(' ')}`);
    if (command === 'reload' && values.all && files.length) throw new UsageError('hot reload --all reloads every module: name files or pass --all, not both');
    if (command === 'ps' && values.pid !== undefined) throw new UsageError('hot ps lists processes: --pid does not apply');
  }
  return { command, files, values };
}

function requestOf(command: Exclude<Command, 'ps'>, files: string[], values: { all?: boolean }, cwd: string): Record<string, unknown> {
  switch (command) {
    case 'reload':
      if (values.all) return { op: 'reloadAll' };
      return files.length ? { op: 'reload', files: files.map((file) => resolve(cwd, file)) } : { op: 'reload' };
    case 'hotfix':
      return { op: 'hotfix', file: resolve(cwd, files[0]) };
    case 'rollback':
      return { op: 'rollback' };
    case 'status':
      return { op: 'status' };
    default: {
      const never: never = command;
      throw new UsageError(`unknown command ${String(never)}`);
    }
  }
}

/** Sends one request to one process and turns its reply into lines, JSON and an exit code. */
async function send(target: Discovery, request: Record<string, unknown>, command: Command, cwd: string, style: Style): Promise<Outcome> {
  const { pid } = target;
  let reply: Reply;
  try {
    const socket = await ControlSocket.open({ host: target.host, port: target.port, token: target.token, timeoutMs: CONNECT_TIMEOUT_MS });
    reply = await new Promise<Reply>((resolveReply, reject) => {
      socket.onMessage = (message) => {
        const candidate = message as Reply;
        if (candidate && candidate.id === 1) resolveReply(candidate);
      };
      socket.onClose = (reason) => reject(new ConnectError('network', reason));
      socket.send({ id: 1, ...request });
    }).finally(() => socket.close());
  } catch (error) {
    const refused = error instanceof ConnectError && error.kind === 'refused';
    const message = refused
      ? `hot: pid ${pid} refused the connection: ${(error as Error).message}`
      : `hot: cannot reach pid ${pid} at ${target.host}:${target.port}: ${(error as Error).message}`;
    return { pid, exit: EXIT.unreachable, json: { ok: false, error: { code: refused ? 'ERR_HOT_REFUSED' : 'ERR_HOT_UNREACHABLE', message: message.slice(5) } }, lines: [message] };
  }
  if (command === 'status' && reply.ok) {
    return { pid, exit: EXIT.applied, json: reply.result as Record<string, unknown>, lines: statusLines(reply.result as never, cwd, style) };
  }
  if (reply.result) {
    const report = reply.result as Parameters<typeof reportLines>[0];
    return { pid, exit: report.ok ? EXIT.applied : EXIT.failed, json: report as unknown as Record<string, unknown>, lines: reportLines(report, cwd, style) };
  }
  // Refused before anything ran: a path outside the root, a file that is not hot, …
  const error = reply.error ?? { code: 'ERR_HOT_CONTROL', message: 'the endpoint gave no reason' };
  const op = String(request.op);
  return { pid, exit: EXIT.failed, json: { ok: false, error }, lines: [`${op} ${style.red('failed')}, nothing changed`, ...errorLines(error, cwd, style)] };
}


function streams(): { out: (line: string) => void; err: (line: string) => void; style: Style } {
  // https://no-color.org: NO_COLOR set to anything but the empty string turns colour off.
  const colour = process.stdout.isTTY === true && !process.env.NO_COLOR;
  return {
    out: (line) => process.stdout.write(line + '\n'),
    err: (line) => process.stderr.write(line + '\n'),
    style: colour ? COLOUR : PLAIN,
  };
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
