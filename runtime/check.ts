/**
 * `hot check`: reloads every hot module, round after round, and reports what would break or
 * leak if the app were hot-reloaded in production (README, "hot check").
 *
 * Each round reloads every module twice:
 * - unchanged: the sources as they are. Nothing observable may change: functions and classes
 *   keep their identity, kept data stays the same object, and a `@hot replace-data` value
 *   that is replaced must not be held by anyone else (it would go stale there);
 * - edited: as if every line of every module had been edited (`ActiveBatch.edited`): every
 *   top-level statement runs again, every function and class takes new code, and every data
 *   initializer counts as edited. The worst case of a real edit: what proves that running
 *   the module's registrations again is safe.
 *
 * After each round it measures (runtime/leaks.ts) handles and listeners per creation site,
 * the collections held by kept data, and the heap. What grows in every round after the
 * first, and did not grow while nothing was reloaded (a quiet period as long as a round), is
 * a finding. Collections have no creation stack: one more edited round runs with a probe
 * after each top-level statement and names the statement that grows them.
 */
import { HOTFIX_PARAM } from '../transform/names.js';
import { HotError } from '../transform/errors.js';
import type { BatchRunner } from './batch.js';
import { setProbe } from './handle.js';
import type { Hub } from './hub.js';
import { HotModule, ModuleVersion } from './module.js';
import type { ReloadReport } from './report.js';
import { suspendWindows } from './resources.js';
import { KeptData, originalSite, SiteTracker, siteOf, sizeOf, type Collection, type Gauge, type Root, type Site } from './leaks.js';
const { pathToFileURL, fileURLToPath } = process.getBuiltinModule('node:url');
const { dirname, isAbsolute, join, relative, resolve: resolvePath } = process.getBuiltinModule('node:path');
const { existsSync, realpathSync } = process.getBuiltinModule('node:fs');

/** A function of an invariants module: throws (or returns false) when the app is not as it should be. */
export type Invariant = (context: InvariantContext) => unknown;

/** What an invariant is called with: after round 0 (before any reload) and after each round. */
export interface InvariantContext {
  /** 0 before the first reload, then the round that just ended. */
  round: number;
  /** An object kept for this invariant for the whole check: remember what round 0 saw. */
  state: Record<string, unknown>;
}

/** Options of {@link checkReloadSafety}. */
export interface CheckOptions {
  /** Rounds of unchanged and edited reloads (default 3, at most 100). Growth is judged from round 2 on: it needs at least 2. */
  rounds?: number;
  /**
   * User invariants: the path of a module (not made hot) whose exported functions run after
   * each round, or those functions. Each gets an {@link InvariantContext}.
   */
  invariants?: string | URL | Record<string, Invariant>;
  /** Called as the check goes (for a progress line). */
  onProgress?: (progress: CheckProgress) => void;
}

export interface CheckProgress {
  round: number;
  rounds: number;
  phase: 'unchanged' | 'edited' | 'measure' | 'diagnose' | 'heap';
  modules: number;
  elapsedMs: number;
}

/** What a finding is about. */
export type CheckKind = 'reload' | 'identity' | 'growth' | 'heap' | 'invariant';

/** Something that would break or leak in production. */
export interface CheckFinding {
  check: CheckKind;
  /** The hot module it is about (absolute path), or null when no module could be named. */
  module: string | null;
  /** Where: the statement, call or declaration responsible. */
  file: string | null;
  line: number | null;
  column: number | null;
  message: string;
}

/** A hazard the runtime knows of, reported by a reload (it does not fail the check). */
export interface CheckWarning {
  module: string;
  message: string;
}

export interface CheckResult {
  /** No finding. */
  ok: boolean;
  findings: CheckFinding[];
  warnings: CheckWarning[];
  /** Hot modules reloaded in each round. */
  modules: number;
  rounds: number;
  /** Batches run (two per round, more when a module fails and the round goes on without it). */
  batches: number;
  /** Milliseconds of each round (unchanged and edited reload, measurement). */
  roundMs: number[];
  heap: {
    /** Least heap growth of a round after the first (after garbage collection), in bytes. */
    perRoundBytes: number;
    /** What Node's module records of one round are expected to cost. */
    floorBytes: number;
  };
  ms: number;
}

/** How long after a round's batches the check waits before it measures: callbacks of the new code run. */
const SETTLE_MS = 50;
/** The quiet period lasts as long as a round, up to this. */
const QUIET_MAX_MS = 1000;
/** Node keeps each evaluated module version; measured at 5-7x its source (README), plus the runtime's records of it. */
const RECORD_BYTES_PER_SOURCE_BYTE = 7;
const RECORD_BYTES_PER_MODULE = 16 * 1024;
/** Heap growth per round above this many floors (and this much) is a finding. */
const HEAP_FLOORS = 3;
const HEAP_SLACK_BYTES = 2 * 1024 * 1024;
/** How long the heap attribution may reload modules one by one. */
const HEAP_ATTRIBUTION_MS = 20_000;

interface Measurement {
  gauges: Map<string, Gauge>;
  heap: number;
}

/**
 * Runs the check in this process: the app must be loaded under @hot/loader (`hot check` does
 * it in a child process; a test runner can call this directly).
 */
export async function runCheck(hub: Hub, runner: BatchRunner, options: CheckOptions = {}, callerStack = ''): Promise<CheckResult> {
  const rounds = options.rounds ?? 3;
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 100) throw new HotError('ERR_HOT_INVALID_ARGUMENT', `checkReloadSafety({ rounds }) takes an integer from 1 to 100, got ${String(rounds)}`);
  if (hub.active) throw new HotError('ERR_HOT_BUSY', 'checkReloadSafety() was called while a reload batch runs');
  const check = new Check(hub, runner, rounds, options);
  // The calling module (a test file, an entry that awaits the check at its top level) is not reloaded.
  const caller = siteOf(callerStack, { isHot: (file) => hub.modules.has(pathToFileURL(file).href), packageDirectory: check.packageDirectory });
  if (caller.file && hub.modules.has(pathToFileURL(caller.file).href)) check.leaveOut(caller.file);
  if (![...hub.modules.values()].some((module) => !check.isLeftOut(module.file))) {
    throw new HotError('ERR_HOT_NOT_HOT', 'no hot module is loaded: nothing to check (is the app started with --import @hot/loader, and are its files inside the project?)');
  }
  const invariants = await loadInvariants(options.invariants);
  // A top-level statement awaiting the check keeps its window open: it would record what the
  // check's batches and the app do meanwhile as its own.
  const resume = suspendWindows();
  try {
    return await check.run(invariants);
  } finally {
    resume();
  }
}

class Check {
  readonly #hub: Hub;
  readonly #runner: BatchRunner;
  readonly #rounds: number;
  readonly #options: CheckOptions;
  readonly #started = performance.now();
  readonly #gc = collector();
  readonly #tracker: SiteTracker;
  readonly #kept = new KeptData((value) => value === this.#hub || value instanceof HotModule || value instanceof ModuleVersion || value === this.#runner);
  readonly #findings = new Map<string, CheckFinding>();
  readonly #warnings = new Map<string, CheckWarning>();
  /** Modules whose unchanged or edited reload failed: the rounds go on without them. */
  readonly #failed = { unchanged: new Set<string>(), edited: new Set<string>() };
  /** Each failing invariant's finding, and the rounds it failed after. */
  readonly #invariantFailures = new Map<string, { finding: CheckFinding; rounds: number[]; failure: string }>();
  #batches = 0;
  #modules = 0;
  /** Bytes of source reloaded per round (both passes). */
  #sourceBytes = 0;

  constructor(hub: Hub, runner: BatchRunner, rounds: number, options: CheckOptions) {
    this.#hub = hub;
    this.#runner = runner;
    this.#rounds = rounds;
    this.#options = options;
    this.packageDirectory = join(dirname(fileURLToPath(import.meta.url)), '..') + '/';
    this.#tracker = new SiteTracker({ isHot: (file) => hub.modules.has(pathToFileURL(file).href), packageDirectory: this.packageDirectory, ownDirectories: ownDependencies() });
  }

  /** This package's dist/ directory (with a trailing slash): its frames are never a site. */
  readonly packageDirectory: string;

  isLeftOut(file: string): boolean {
    return this.#failed.edited.has(file) && this.#failed.unchanged.has(file);
  }

  /** Leaves a module out of every round. */
  leaveOut(file: string): void {
    this.#failed.unchanged.add(file);
    this.#failed.edited.add(file);
  }

  async run(invariants: LoadedInvariants | null): Promise<CheckResult> {
    const measurements: Measurement[] = [];
    const roundMs: number[] = [];
    this.#modules = [...this.#hub.modules.values()].filter((m) => !this.#failed.edited.has(m.file)).length;
    this.#tracker.install();
    try {
      const states = new Map<string, Record<string, unknown>>();
      await this.#invariants(invariants, 0, states);
      measurements.push(await this.#measure());
      for (let round = 1; round <= this.#rounds; round++) {
        const started = performance.now();
        await this.#unchanged(round);
        await this.#edited(round, 'edited');
        this.#progress(round, 'measure');
        measurements.push(await this.#measure());
        roundMs.push(performance.now() - started);
        await this.#invariants(invariants, round, states);
      }
      // A quiet period as long as a round, with no reload: what grows now grows with time, not per reload.
      const meanRound = roundMs.reduce((a, b) => a + b, 0) / roundMs.length;
      await this.#wait(Math.min(Math.max(meanRound, SETTLE_MS), QUIET_MAX_MS));
      const quiet = await this.#measure();
      this.#gaugeFindings(measurements, quiet);
      await this.#collectionFindings(measurements.length);
      const heap = await this.#heapFindings(measurements, quiet);
      const findings = [...this.#findings.values()];
      return {
        ok: findings.length === 0,
        findings,
        warnings: [...this.#warnings.values()],
        modules: this.#modules,
        rounds: this.#rounds,
        batches: this.#batches,
        roundMs,
        heap,
        ms: performance.now() - this.#started,
      };
    } finally {
      setProbe(null);
      this.#tracker.uninstall();
      this.#runner.forgetHistory();
    }
  }

  #progress(round: number, phase: CheckProgress['phase']): void {
    this.#options.onProgress?.({ round, rounds: this.#rounds, phase, modules: this.#modules, elapsedMs: performance.now() - this.#started });
  }

  #add(finding: CheckFinding): void {
    const key = `${finding.check}|${finding.file}:${finding.line}:${finding.column}|${finding.check === 'reload' || finding.check === 'invariant' ? finding.message : ''}`;
    if (!this.#findings.has(key)) this.#findings.set(key, finding);
  }

  #noteWarnings(report: ReloadReport): void {
    for (const module of report.modules) {
      for (const warning of module.warnings) {
        // The same hazard in every round: once, without the version numbers that differ.
        const message = warning.replace(/\bv\d+\b/g, 'v#');
        const key = `${module.file}|${message}`;
        if (!this.#warnings.has(key)) this.#warnings.set(key, { module: module.file, message: warning });
      }
    }
  }

  /** Reloads every module with its source unchanged and checks that nothing observable changed. */
  async #unchanged(round: number): Promise<void> {
    this.#progress(round, 'unchanged');
    // The values before and after are compared in functions of their own: an async function
    // keeps its registers across an await, so values it touched would still be held by it
    // when the garbage collector is asked who else holds them.
    const before = this.#values();
    const report = await this.#batch(round, false);
    const held = report ? this.#compare(before, report) : [];
    before.clear();
    if (held.length === 0) return;
    // Who still holds a value the reload replaced? Nobody but the app: the undo log lets go of it.
    this.#runner.forgetHistory();
    await this.#collect();
    for (const { module, name, ref } of held) {
      if (ref.deref() === undefined) continue;
      this.#add({
        ...this.#at(module, name),
        check: 'identity',
        message: `${name} is replaced by every reload (@hot replace-data, or it reads data that is), but the value it replaced is still held elsewhere (another module's data, a registry, a closure), which keeps the stale one; keep it (remove the pragma) or hand out a getter instead of the value`,
      });
    }
  }

  /** Every initialised binding's value, per module reloaded. */
  #values(): Map<HotModule, Map<string, unknown>> {
    const before = new Map<HotModule, Map<string, unknown>>();
    for (const module of this.#hub.modules.values()) {
      if (this.#failed.unchanged.has(module.file)) continue;
      const values = new Map<string, unknown>();
      for (const [name, cell] of module.cells) if (cell.initialised) values.set(name, cell.value);
      before.set(module, values);
    }
    return before;
  }

  /**
   * Functions and classes that are no longer the same are findings; replaced data values are
   * returned as weak references, to see after a garbage collection whether anyone holds them.
   */
  #compare(before: Map<HotModule, Map<string, unknown>>, report: ReloadReport): { module: HotModule; name: string; ref: WeakRef<object> }[] {
    const held: { module: HotModule; name: string; ref: WeakRef<object> }[] = [];
    const replaced = new Map(report.modules.map((m) => [m.file, new Set(m.replaced)]));
    for (const [module, values] of before) {
      for (const [name, value] of values) {
        const cell = module.cells.get(name);
        if (!cell || Object.is(cell.value, value)) continue;
        if (cell.kind !== 'data') {
          this.#add({ ...this.#at(module, name), check: 'identity', message: `${name} is no longer the same ${cell.kind} after a reload of unchanged source: references taken before it (a callback, a saved method) no longer follow it` });
        } else if (replaced.get(module.file)?.has(name) && value !== null && (typeof value === 'object' || typeof value === 'function')) {
          held.push({ module, name, ref: new WeakRef(value) });
        }
      }
    }
    return held;
  }

  /** Reloads every module as if every line had been edited (or, with a probe set, to diagnose growth). */
  async #edited(round: number, phase: 'edited' | 'diagnose'): Promise<void> {
    this.#progress(round, phase);
    await this.#batch(round, true);
  }

  /**
   * One batch over every module not known to fail; when it fails, the failure is a finding and
   * the batch runs again without the module that failed (all-or-nothing: the others were not
   * reloaded). Returns the report of the batch that applied, or null.
   */
  async #batch(round: number, edited: boolean): Promise<ReloadReport | null> {
    const failed = edited ? this.#failed.edited : this.#failed.unchanged;
    for (let attempt = 0; attempt <= this.#hub.modules.size; attempt++) {
      const reloaded = [...this.#hub.modules.values()].filter((m) => !failed.has(m.file));
      this.#modules = reloaded.length;
      this.#batches++;
      const report = await this.#runner.reloadAll({ edited, skip: failed });
      this.#noteWarnings(report);
      if (report.ok) {
        if (round === 1) this.#sourceBytes += reloaded.reduce((sum, m) => sum + m.live.meta.size, 0);
        return report;
      }
      const error = report.error;
      const file = error?.file && this.#hub.modules.has(pathToFileURL(error.file).href) ? error.file : null;
      const how = edited ? 'when its top-level code runs again (a reload as if every line were edited)' : 'on a reload of unchanged source';
      this.#add({
        check: 'reload',
        module: file,
        file: error?.file ?? null,
        line: error?.line ?? null,
        column: error?.column ?? null,
        message: `the reload fails ${how}: ${error?.code ? `${error.code}: ` : ''}${error?.message ?? 'unknown error'}`,
      });
      if (!file || failed.has(file)) return null;
      failed.add(file);
    }
    return null;
  }

  /** Where a binding of `module` is declared. */
  #at(module: HotModule, name: string): Pick<CheckFinding, 'module' | 'file' | 'line' | 'column'> {
    const binding = module.live.meta.bindings.find((b) => b.name === name);
    return { module: module.file, file: module.file, line: binding?.line ?? null, column: binding ? binding.column + 1 : null };
  }

  async #wait(ms: number): Promise<void> {
    await new Promise<void>((resolve) => this.#tracker.quietly(() => setTimeout(resolve, ms)));
  }

  /** A full garbage collection after a turn of the event loop (destroy hooks run, WeakRefs may be cleared). */
  async #collect(): Promise<void> {
    await new Promise<void>((resolve) => this.#tracker.quietly(() => setImmediate(resolve)));
    this.#gc();
  }

  async #measure(): Promise<Measurement> {
    const heap = await this.#settledHeap();
    this.#kept.measure(this.#roots());
    return { gauges: this.#tracker.gauges(), heap };
  }

  /** The heap once the last batch's callbacks ran and the garbage is collected. */
  async #settledHeap(): Promise<number> {
    // The undo log keeps every value the rounds replaced (for rollback()): not the app's growth.
    this.#runner.forgetHistory();
    await this.#wait(SETTLE_MS);
    await this.#collect();
    return heapBytes();
  }

  /** Every data binding (kept or not: a replaced one is a new collection, with no history) and every `import.meta.hot.data`. */
  #roots(): Root[] {
    const roots: Root[] = [];
    for (const module of this.#hub.modules.values()) {
      for (const [name, cell] of module.cells) {
        if (cell.kind !== 'data' || !cell.initialised) continue;
        // A function made by a call (`const app = express()`) is held behind a forwarding
        // stand-in (a Proxy, which the walk does not enter): walk the function itself.
        const value = cell.forward && cell.value === cell.forward.standIn ? (cell.forward.slot.impl ?? cell.forward.slot.t) : cell.value;
        roots.push({ module: module.file, name, value });
      }
      if (Object.keys(module.data).length) roots.push({ module: module.file, name: 'import.meta.hot.data', value: module.data });
    }
    return roots;
  }

  /** Handles and listeners counted per creation site that grow in every round (and not while quiet). */
  #gaugeFindings(measurements: Measurement[], quiet: Measurement): void {
    const last = measurements[measurements.length - 1];
    for (const [key, gauge] of last.gauges) {
      const series = measurements.map((m) => m.gauges.get(key)?.count ?? 0);
      if (!grows(series)) continue;
      if ((quiet.gauges.get(key)?.count ?? 0) > gauge.count) continue;
      const site = originalSite(gauge.site);
      const per = perRound(series);
      this.#add({
        check: 'growth',
        module: site.file && this.#hub.modules.has(pathToFileURL(site.file).href) ? site.file : null,
        file: site.file,
        line: site.line,
        column: site.column,
        message: `${per} more ${gauge.kind}${per > 1 ? 's' : ''} per reload (${series.join(' → ')} after rounds 0-${series.length - 1}), ${site.file ? 'made here' : 'made where no project code was on the stack'} and never released: ${advice(gauge.kind)}`,
      });
    }
  }

  /**
   * Collections held by data that grow in every round: one more edited round with a probe after
   * each top-level statement and initializer names the statement that grows each of them.
   */
  async #collectionFindings(count: number): Promise<void> {
    const suspects: { collection: Collection; value: object; last: number; by: Map<string, { module: string; line: number; delta: number }> }[] = [];
    for (const collection of this.#kept.collections) {
      const series = collection.sizes.slice(0, count);
      if (series.length < count || series.slice(1).some((size) => size === undefined)) continue;
      const defined = series.map((size) => size ?? 0);
      if (!grows(defined)) continue;
      const value = collection.ref.deref();
      if (!value) continue;
      suspects.push({ collection, value, last: sizeOf(value), by: new Map() });
    }
    if (suspects.length === 0) return;
    // Sizes right after the quiet period: growth with time alone leaves it (no statement grows it).
    for (const suspect of suspects) suspect.last = sizeOf(suspect.value);
    setProbe((module, line) => {
      for (const suspect of suspects) {
        const size = sizeOf(suspect.value);
        if (size <= suspect.last) {
          suspect.last = size;
          continue;
        }
        const key = `${module.file}:${line}`;
        const entry = suspect.by.get(key) ?? { module: module.file, line, delta: 0 };
        entry.delta += size - suspect.last;
        suspect.by.set(key, entry);
        suspect.last = size;
      }
    });
    try {
      await this.#edited(this.#rounds + 1, 'diagnose');
    } finally {
      setProbe(null);
    }
    for (const { collection, value, by } of suspects) {
      const series = [...collection.sizes.slice(0, count).map((size) => size ?? 0), sizeOf(value)];
      const holder = `${collection.path.split(/[.[]/)[0]} in ${shownPath(collection.module)}`;
      for (const { module, line, delta } of by.values()) {
        this.#add({
          check: 'growth',
          module,
          file: module,
          line,
          column: null,
          message: `${collection.path} (held by ${holder}) grows by ${delta} each time this statement runs again (${series.join(' → ')}): what it adds is never removed, so an edit of this module registers it twice; make the statement idempotent, or let a dispose handler remove what it added`,
        });
      }
    }
  }

  /** Heap growth per round far above what module records cost: the module responsible, when one can be named. */
  async #heapFindings(measurements: Measurement[], quiet: Measurement): Promise<CheckResult['heap']> {
    const heaps = measurements.map((m) => m.heap);
    // Round 1 loads what the first reload needs (the lexer, the check itself): from round 2 on.
    const considered = heaps.slice(2).map((heap, i) => heap - heaps[i + 1]);
    const perRoundBytes = considered.length ? Math.max(0, Math.min(...considered)) : 0;
    const floorBytes = this.#sourceBytes * RECORD_BYTES_PER_SOURCE_BYTE + this.#modules * 2 * RECORD_BYTES_PER_MODULE;
    const result = { perRoundBytes, floorBytes };
    const limit = floorBytes * HEAP_FLOORS + HEAP_SLACK_BYTES;
    // Growth with time (the quiet period grew as much) is not growth per reload.
    const quietGrowth = quiet.heap - heaps[heaps.length - 1];
    if (considered.length === 0 || perRoundBytes <= limit || quietGrowth >= perRoundBytes / 2) return result;
    this.#progress(this.#rounds, 'heap');
    const named = await this.#heapByModule();
    if (named.length === 0) {
      this.#add({ check: 'heap', module: null, file: null, line: null, column: null, message: `the heap grows by ${mib(perRoundBytes)} per round, ${(perRoundBytes / Math.max(floorBytes, 1)).toFixed(1)}x what Node's module records cost (${mib(floorBytes)}); no single module's reload explains it` });
    }
    for (const { module, bytes, floor } of named) {
      this.#add({ check: 'heap', module: module.file, file: module.file, line: 1, column: null, message: `each reload of this module keeps ${mib(bytes)} more heap, ${(bytes / floor).toFixed(1)}x what its module record costs (${mib(floor)}): something it makes at its top level stays reachable after the reload` });
    }
    return result;
  }

  /** Reloads modules one at a time (as edited, twice each) and names those whose reload keeps far more heap than its record. */
  async #heapByModule(): Promise<{ module: HotModule; bytes: number; floor: number }[]> {
    const named: { module: HotModule; bytes: number; floor: number }[] = [];
    const deadline = performance.now() + HEAP_ATTRIBUTION_MS;
    const modules = [...this.#hub.modules.values()].filter((m) => !this.#failed.edited.has(m.file) && !m.live.declined);
    for (const module of modules) {
      if (performance.now() > deadline) break;
      const skip = new Set(modules.filter((m) => m !== module).map((m) => m.file));
      const heaps: number[] = [];
      for (let i = 0; i < 3; i++) {
        if (i > 0) {
          this.#batches++;
          const report = await this.#runner.reloadAll({ edited: true, skip });
          if (!report.ok) break;
        }
        heaps.push(await this.#settledHeap());
      }
      if (heaps.length < 3) continue;
      const bytes = Math.min(heaps[1] - heaps[0], heaps[2] - heaps[1]);
      const floor = module.live.meta.size * RECORD_BYTES_PER_SOURCE_BYTE + RECORD_BYTES_PER_MODULE;
      if (bytes > floor * HEAP_FLOORS + HEAP_SLACK_BYTES / 4) named.push({ module, bytes, floor });
    }
    return named;
  }

  /** Runs each invariant; a throw or `false` is a finding at the place it threw (one per invariant, naming the rounds). */
  async #invariants(invariants: LoadedInvariants | null, round: number, states: Map<string, Record<string, unknown>>): Promise<void> {
    if (!invariants) return;
    for (const [name, invariant] of Object.entries(invariants.functions)) {
      const earlier = this.#invariantFailures.get(name);
      let state = states.get(name);
      if (!state) states.set(name, (state = {}));
      let failure: string | null = null;
      let site: Site = { file: invariants.file, line: null, column: null };
      try {
        const outcome = await invariant({ round, state });
        if (outcome === false) failure = 'it returned false';
      } catch (error) {
        failure = (error as Error)?.message ?? String(error);
        const stack = (error as Error)?.stack;
        if (stack && invariants.file) {
          const file = invariants.file;
          const at = siteOf(stack, { isHot: (f) => f === file, packageDirectory: '\0' });
          if (at.file === file) site = at;
        }
      }
      if (failure === null) continue;
      if (earlier) {
        earlier.rounds.push(round);
        earlier.finding.message = invariantMessage(name, earlier.rounds, earlier.failure);
        continue;
      }
      const finding: CheckFinding = { check: 'invariant', module: invariants.file, file: site.file, line: site.line, column: site.column, message: invariantMessage(name, [round], failure) };
      this.#invariantFailures.set(name, { finding, rounds: [round], failure });
      this.#add(finding);
    }
  }
}

interface LoadedInvariants {
  file: string | null;
  functions: Record<string, Invariant>;
}

let invariantRuns = 0;

/** The invariants: functions given, or the exported functions of a module imported fresh (never hot). */
async function loadInvariants(input: CheckOptions['invariants']): Promise<LoadedInvariants | null> {
  if (input === undefined) return null;
  if (typeof input === 'object' && !(input instanceof URL)) {
    const functions = Object.fromEntries(Object.entries(input).filter(([, value]) => typeof value === 'function'));
    return { file: null, functions };
  }
  const text = String(input);
  const path = text.startsWith('file:') ? fileURLToPath(text) : resolvePath(text);
  if (!existsSync(path)) throw new HotError('ERR_HOT_NOT_FOUND', `the invariants file ${path} does not exist`);
  const file = realpathSync(path);
  const url = pathToFileURL(file);
  // A hotfix URL: the hooks never make it hot, so it imports the app's live modules as they are.
  url.searchParams.set(HOTFIX_PARAM, `check-${++invariantRuns}`);
  const loaded = (await import(url.href)) as Record<string, unknown>;
  const functions = Object.fromEntries(Object.entries(loaded).filter(([, value]) => typeof value === 'function')) as Record<string, Invariant>;
  if (Object.keys(functions).length === 0) throw new HotError('ERR_HOT_INVALID_ARGUMENT', `the invariants file ${file} exports no function`);
  return { file, functions };
}

/** `playersKept fails after rounds 1, 2, 3: the players Map was replaced`. */
function invariantMessage(name: string, rounds: number[], failure: string): string {
  const when = rounds.map((round) => (round === 0 ? 'before any reload' : `round ${round}`));
  const after = rounds[0] === 0 ? when.join(', ') : `after ${rounds.length > 1 ? 'rounds' : 'round'} ${rounds.join(', ')}`;
  return `${name} fails ${after}: ${failure}`;
}

/**
 * Grows in every round after the first: `series[0]` is before any reload, `series[r]` after
 * round r. Round 1 is never evidence: what the app made at its first load is not tracked (the
 * check starts after it), so round 1 shows everything it remade as new. With one round, nothing grows.
 */
function grows(series: (number | undefined)[]): boolean {
  const values = series.map((value) => value ?? 0);
  if (values.length < 3) return false;
  for (let i = 2; i < values.length; i++) if (!(values[i] > values[i - 1])) return false;
  return true;
}

/** The least growth of a round after the first. */
function perRound(series: number[]): number {
  const steps = series.slice(2).map((value, i) => value - series[i + 1]);
  return Math.min(...steps);
}

function advice(kind: string): string {
  if (kind.startsWith('listener')) return 'it was added where the runtime cannot release it (in a callback, or after an await); add it in the top-level statement itself, or remove it in import.meta.hot.dispose';
  if (kind === 'timer') return 'it was started where the runtime cannot release it (in a callback, or after an await); start it in the top-level statement itself, or clear it in import.meta.hot.dispose';
  return 'it was opened where the runtime cannot release it (in a callback, or after an await, or it is not a listening server); close it in import.meta.hot.dispose, or keep it in import.meta.hot.data';
}

/** A path relative to the working directory when it is under it (messages are read by people). */
function shownPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : file;
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Where this package's own dependencies that make handles (the endpoint's ws, the watcher's chokidar) are installed. */
function ownDependencies(): string[] {
  const directories: string[] = [];
  for (const name of ['ws', 'chokidar', 'readdirp']) {
    try {
      const file = fileURLToPath(import.meta.resolve(name));
      const at = file.lastIndexOf(`/node_modules/${name}/`);
      if (at !== -1) directories.push(file.slice(0, at + `/node_modules/${name}/`.length));
    } catch {
      // Not installed: nothing of it to tell apart.
    }
  }
  return directories;
}

/** The heap and the memory outside it that JavaScript objects hold (Buffers, typed arrays). */
function heapBytes(): number {
  const { heapUsed, external } = process.memoryUsage();
  return heapUsed + external;
}

/** A full garbage collection: `global.gc` when Node runs with --expose-gc, else one exposed for this check. */
function collector(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (typeof existing === 'function') return existing;
  const v8 = process.getBuiltinModule('node:v8');
  v8.setFlagsFromString('--expose-gc');
  const gc = process.getBuiltinModule('node:vm').runInNewContext('gc') as () => void;
  v8.setFlagsFromString('--no-expose-gc');
  return gc;
}
