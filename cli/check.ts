/**
 * `hot check <entry>`: starts the app under the loader in a child process, waits until it is
 * ready, runs the runtime's checks in it through the control endpoint (runtime/check.ts), prints
 * the findings and stops the app, whatever happens (a timeout, Ctrl-C, the app crashing).
 *
 * The child gets a control directory of its own (HOT_CONTROL_DIR, a fresh 0700 temp dir), the
 * endpoint on whatever its config says (HOT_CONTROL=1), no watcher (HOT_WATCH=0), no line per
 * reload (HOT_QUIET=1) and `--expose-gc` (the heap and identity checks collect garbage).
 * HOT_CHECK_PARENT names this process: should it die without stopping the app (SIGKILL, a
 * closed pipe), the app exits on its own (loader/index.ts).
 */
import type { CheckFinding, CheckProgress, CheckResult, CheckWarning } from '../runtime/index.js';
import { listDiscoveries, type Discovery } from '../control/discovery.js';
import type { Reply } from '../control/protocol.js';
import { shown, type Style } from './format.js';
import { ControlSocket } from './socket.js';
const { existsSync, mkdtempSync, realpathSync, rmSync } = process.getBuiltinModule('node:fs');
const { join, resolve } = process.getBuiltinModule('node:path');
const { tmpdir } = process.getBuiltinModule('node:os');
const { pathToFileURL } = process.getBuiltinModule('node:url');

/** The CLI is built as CommonJS (scripts/build.mjs): its own directory, dist/cli. */
declare const __dirname: string;

export const CHECK_HELP = `Usage: hot check [options] <entry> [-- app arguments]

Starts <entry> under the loader in a child process, waits until it is ready, then reloads
every hot module for N rounds, each with unchanged sources and as if every line had been
edited, and reports what would break or leak if it were hot-reloaded in production: failed
reloads, identities that change, timers, listeners, servers, sockets and collections that
grow per reload, heap growth, and your invariants. The app is stopped at the end.

Options:
  --rounds <n>          rounds of reloads (default 3; what grows is judged from round 2)
  --timeout <seconds>   how long to wait for the app to be ready (default 30)
  --ready-line <regex>  ready when a line of the app's stdout matches
  --ready-call          ready when the app calls ready() from @hot/loader/runtime
                        (default: when loading has stopped and the event loop is idle)
  --invariants <file>   a module whose exported functions run after each round
  --verbose             show the app's output
  --json                print the result as JSON

Exit: 0 no findings, 1 findings, 2 usage error or the app did not start or get ready.`;

export interface CheckArguments {
  entry: string;
  appArguments: string[];
  rounds: number;
  timeoutMs: number;
  readyLine: RegExp | null;
  readyCall: boolean;
  invariants: string | null;
  verbose: boolean;
  json: boolean;
}

/** Lines the CLI prints, and where. */
export interface CheckOutput {
  out(line: string): void;
  err(line: string): void;
  /** A progress line that the next one replaces (stderr on a terminal only). */
  progress(line: string | null): void;
  style: Style;
}

/** The app could not be checked: exit 2 with this message (and the app's last output). */
export class CheckAborted extends Error {}

/** How long the app gets to exit after SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 3000;
/** The app's last lines of output kept for an error message. */
const KEPT_LINES = 30;

/**
 * Runs the check. Returns the exit code: 0 clean, 1 findings.
 * @throws {CheckAborted} the app exited, was not ready in time, or the check could not run
 */
export async function runCheckCommand(args: CheckArguments, output: CheckOutput, cwd: string): Promise<number> {
  const { spawn } = process.getBuiltinModule('node:child_process');
  const entry = resolve(cwd, args.entry);
  if (!existsSync(entry)) throw new CheckAborted(`${args.entry} does not exist`);
  const directory = mkdtempSync(join(realpathSync(tmpdir()), 'hot-check-'));
  const loader = pathToFileURL(join(__dirname, '..', 'loader', 'index.js')).href;
  const child = spawn(process.execPath, ['--expose-gc', '--import', loader, entry, ...args.appArguments], {
    cwd,
    env: { ...process.env, HOT_CONTROL_DIR: directory, HOT_CONTROL: '1', HOT_WATCH: '0', HOT_QUIET: '1', HOT_CHECK_PARENT: String(process.pid) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let exited: string | null = null;
  const exit = new Promise<never>((_, reject) => {
    child.on('error', (error) => {
      exited = `could not start: ${error.message}`;
      reject(new CheckAborted(`the app ${exited}`));
    });
    child.on('exit', (code, signal) => {
      exited = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      reject(new CheckAborted(`the app ${exited} before the check ended`));
    });
  });
  exit.catch(() => {});
  let sawReadyLine: () => void = () => {};
  const readyLine = new Promise<void>((resolveLine) => (sawReadyLine = resolveLine));
  const keep = (stream: NodeJS.ReadableStream, forward: (line: string) => void, isStdout: boolean) => {
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        if (lines.length > KEPT_LINES) lines.shift();
        if (args.verbose) forward(line);
        if (isStdout && args.readyLine?.test(line)) sawReadyLine();
      }
    });
  };
  keep(child.stdout, output.err, true);
  keep(child.stderr, output.err, false);

  const stop = async () => {
    if (exited === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exit.catch(() => {});
      clearTimeout(killer);
    }
    rmSync(directory, { recursive: true, force: true });
  };
  const interrupted = new Promise<never>((_, reject) => {
    const onSignal = (signal: NodeJS.Signals) => reject(Object.assign(new CheckAborted(`interrupted (${signal}); the app was stopped`), { signal }));
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  interrupted.catch(() => {});

  let socket: ControlSocket | null = null;
  let timer: NodeJS.Timeout | undefined;
  const finished = { done: false };
  try {
    const waited = args.readyLine ? `a line matching ${args.readyLine}` : args.readyCall ? 'the app to call ready()' : 'the app to finish loading and go idle';
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new CheckAborted(`the app was not ready within ${args.timeoutMs / 1000} s (waited for ${waited}); raise --timeout, or say when it is ready with --ready-line or --ready-call`)), args.timeoutMs);
    });
    timeout.catch(() => {});
    output.progress(`hot check: starting ${shown(entry, cwd)}, waiting for ${waited}`);
    const discovery = await Promise.race([endpointOf(directory, child.pid as number, finished), exit, interrupted, timeout]);
    socket = await Promise.race([ControlSocket.open({ host: discovery.host, port: discovery.port, token: discovery.token, timeoutMs: 5000 }), exit, interrupted, timeout]);
    if (args.readyLine) await Promise.race([readyLine, exit, interrupted, timeout]);
    const request = { id: 1, op: 'check', rounds: args.rounds, ready: args.readyLine ? 'now' : args.readyCall ? 'call' : 'idle', ...(args.invariants ? { invariants: resolve(cwd, args.invariants) } : {}) };
    const open = socket;
    const reply = new Promise<Reply>((resolveReply, reject) => {
      open.onMessage = (message) => {
        const candidate = message as Reply & { event?: string; progress?: CheckProgress };
        if (candidate.event === 'check' && candidate.progress) {
          clearTimeout(timer); // the app is ready: the check has started
          output.progress(progressLine(candidate.progress));
        } else if (candidate.id === 1) resolveReply(candidate);
      };
      open.onClose = (reason) => reject(new CheckAborted(`the app closed the control connection: ${reason}`));
    });
    socket.send(request);
    // The timeout is cleared at the first progress event: from then on it never settles.
    const answer = await Promise.race([reply, exit, interrupted, timeout]);
    clearTimeout(timer);
    output.progress(null);
    if (!answer.ok) throw new CheckAborted(`the check could not run: ${answer.error?.code ?? ''} ${answer.error?.message ?? ''}`.trim());
    const result = answer.result as CheckResult;
    print(result, entry, args, output, cwd);
    return result.ok ? 0 : 1;
  } catch (error) {
    output.progress(null);
    if (error instanceof CheckAborted && lines.length && !args.verbose) {
      error.message += `\nthe app's last output:\n${lines.slice(-KEPT_LINES).map((line) => `  | ${line}`).join('\n')}`;
    }
    throw error;
  } finally {
    finished.done = true;
    clearTimeout(timer);
    try {
      socket?.close();
    } finally {
      await stop();
    }
  }
}

/** Waits for the child's discovery file (its endpoint opens ~100 ms after it starts). */
async function endpointOf(directory: string, pid: number, finished: { done: boolean }): Promise<Discovery> {
  while (!finished.done) {
    const found = listDiscoveries(directory).find((discovery) => discovery.pid === pid);
    if (found) return found;
    await new Promise((resolveWait) => setTimeout(resolveWait, 25));
  }
  return new Promise(() => {}); // the check ended another way (the race has settled)
}

function progressLine(progress: CheckProgress): string {
  const phase = progress.phase === 'unchanged' ? 'reloading unchanged' : progress.phase === 'edited' ? 'reloading as edited' : progress.phase === 'diagnose' ? 'finding what grows' : progress.phase === 'heap' ? 'measuring the heap per module' : 'measuring';
  const round = progress.round > progress.rounds ? '' : `round ${progress.round}/${progress.rounds}, `;
  return `hot check: ${round}${phase}, ${progress.modules} modules, ${(progress.elapsedMs / 1000).toFixed(1)} s`;
}

const KIND_WIDTH = 9;

/** The result: findings per module, warnings, the outcome; or JSON; and GitHub annotations. */
function print(result: CheckResult, entry: string, args: CheckArguments, output: CheckOutput, cwd: string): void {
  if (args.json) {
    output.out(JSON.stringify({ entry, ...result }, null, 2));
    return;
  }
  const { style } = output;
  output.out(`hot check ${shown(entry, cwd)}: ${result.rounds} round${result.rounds === 1 ? '' : 's'} over ${result.modules} module${result.modules === 1 ? '' : 's'}, each reloaded unchanged and as if edited (${(result.ms / 1000).toFixed(1)} s)`);
  const byModule = new Map<string, CheckFinding[]>();
  for (const finding of result.findings) {
    const key = finding.module ? shown(finding.module, cwd) : '(no module)';
    byModule.set(key, [...(byModule.get(key) ?? []), finding]);
  }
  for (const [module, findings] of byModule) {
    output.out('');
    output.out(style.bold(module));
    const places = findings.map((finding) => place(finding, cwd));
    const width = Math.max(...places.map((p) => p.length));
    findings.forEach((finding, i) => output.out(`  ${places[i].padEnd(width)}  ${style.red(finding.check.padEnd(KIND_WIDTH))} ${finding.message}`));
  }
  if (result.warnings.length) {
    output.out('');
    output.out(style.yellow('warnings'));
    for (const warning of result.warnings) output.out(`  ${shown(warning.module, cwd)}: ${warning.message}`);
  }
  output.out('');
  const count = result.findings.length;
  const warned = result.warnings.length ? `; ${result.warnings.length} warning${result.warnings.length === 1 ? '' : 's'}` : '';
  output.out(count === 0
    ? `${style.green('ok')}: no findings${warned}`
    : `${style.red(`${count} finding${count === 1 ? '' : 's'}`)} in ${byModule.size} module${byModule.size === 1 ? '' : 's'}${warned}`);
  if (process.env.GITHUB_ACTIONS === 'true') for (const line of annotations(result.findings, result.warnings, cwd)) output.out(line);
}

function place(finding: CheckFinding, cwd: string): string {
  if (!finding.file) return '(unknown place)';
  return `${shown(finding.file, cwd)}${finding.line ? `:${finding.line}${finding.column ? `:${finding.column}` : ''}` : ''}`;
}

/** GitHub Actions workflow commands: an error annotation per finding, a warning per warning. */
export function annotations(findings: CheckFinding[], warnings: CheckWarning[], cwd: string): string[] {
  // https://docs.github.com/actions/reference/workflow-commands-for-github-actions: data escapes %, CR, LF; properties also : and ,
  const data = (text: string) => text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const property = (text: string) => data(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
  const lines: string[] = [];
  for (const finding of findings) {
    const props = [finding.file ? `file=${property(shown(finding.file, cwd))}` : '', finding.line ? `line=${finding.line}` : '', finding.column ? `col=${finding.column}` : '', `title=${property(`hot check: ${finding.check}`)}`].filter(Boolean);
    lines.push(`::error ${props.join(',')}::${data(finding.message)}`);
  }
  for (const warning of warnings) lines.push(`::warning file=${property(shown(warning.module, cwd))},title=${property('hot check: warning')}::${data(warning.message)}`);
  return lines;
}
