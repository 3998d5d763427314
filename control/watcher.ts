/**
 * The file watcher: save a file and the running process reloads it, with no fixed debounce
 * and no lost save.
 *
 * - What it watches: the files of loaded hot modules (and each new one as it loads), through
 *   their directories (chokidar, depth 0, every other file ignored). Watching a file's
 *   directory rather than the file sees every way an editor saves: in place, truncate then
 *   write, an atomic rename (vim, JetBrains, VS Code), delete then recreate; a watch on the
 *   file itself lost the recreate for over a second here.
 * - When: a change starts a batch at the next turn of the event loop; changes that arrive
 *   while a batch runs join the next one. Nothing waits for a quiet period.
 * - What: the runtime is asked which of the changed files now differ from their live version
 *   (identical writes, and empty files caught between a truncate and a write, do nothing),
 *   and reloads those as one batch. The files of a batch that failed stay in the next one,
 *   so a multi-file change (a `git checkout`) ends with every module at its final content
 *   even when an intermediate batch saw a half-applied change and failed. A failed batch is
 *   reported once; nothing is retried until the next save.
 * - A deleted file is reported; its module keeps running its last code.
 */
import type { FSWatcher } from 'chokidar';
import type { ReloadReport } from '../runtime/index.js';
const { dirname, join, relative } = process.getBuiltinModule('node:path');

/** How long module loading must be quiet before the watcher starts (see #start). */
const QUIET_MS = 200;

/** How long after a file's last event it is read once more (past chokidar's 50 ms change throttle). */
const TRAILING_CHECK_MS = 60;

/** What the watcher drives (the loader passes the runtime's pieces in). */
export interface WatchRuntime {
  /** The files of the loaded hot modules. */
  files(): string[];
  /** Calls `listener(file)` as each new hot module loads; returns how to stop. */
  onModule(listener: (file: string) => void): () => void;
  /** Of these files, the hot modules whose content differs from their live version, with the text read. */
  changed(files: string[]): Promise<Map<string, string>>;
  reload(files: string[]): Promise<ReloadReport>;
  /** Runs `run` so that what it sets up belongs to no top-level statement of the host. */
  detached<T>(run: () => T): T;
}

export interface WatcherOptions {
  runtime: WatchRuntime;
  /** Where problems and deletions are reported (default: stderr). */
  log?: (line: string) => void;
}

/** What `hot status` shows. */
export interface WatchStatus {
  on: boolean;
  files: number;
  directories: number;
  /** The directories watched (for the files of hot modules in them). */
  paths: string[];
}

export class HotWatcher {
  readonly #runtime: WatchRuntime;
  readonly #log: (line: string) => void;
  /** Hot module files to react to, and the directories watched for them. */
  readonly #files = new Set<string>();
  readonly #directories = new Set<string>();
  #chokidar: FSWatcher | null = null;
  /** Files changed since the running batch took its list. */
  readonly #pending = new Set<string>();
  /**
   * Files of the last failed batch, with the text each had when it was read for the batch:
   * they go again with the next change, but not for events of the saves already tried (one
   * save sends several events, and a read 60 ms later), which would repeat the failure.
   */
  #failed = new Map<string, string>();
  #running = false;
  #closed = false;
  /** The first directories are watched (chokidar's `ready`). */
  #ready = false;
  readonly #offModule: () => void;
  /** Per file, the read that follows its last event (see #event). */
  readonly #trailing = new Map<string, NodeJS.Timeout>();
  /** Resolves once chokidar is loaded (directories are watched as their first module loads). */
  readonly ready: Promise<void>;

  constructor(options: WatcherOptions) {
    this.#runtime = options.runtime;
    this.#log = options.log ?? ((line) => process.stderr.write(line + '\n'));
    this.#offModule = this.#runtime.onModule((file) => this.#runtime.detached(() => {
      this.#lastModule = performance.now();
      this.#watch([file]);
    }));
    // Nothing of the watcher may reach the host as an unhandled rejection (chokidar missing, …).
    this.ready = this.#start().catch((error) => this.#log(`[hot] watch: not started: ${(error as Error)?.message ?? error}`));
  }

  /** When the last hot module loaded (null: none yet): the watcher starts once loading has been quiet for a while. */
  #lastModule: number | null = null;

  async #start(): Promise<void> {
    // Watching costs: chokidar stats and watches every file of the directories it is given
    // (+124 ms on Node 20, +143 on Node 24, to the start of the 1000-module bench app when it
    // started while modules loaded). So it starts once no module has loaded for QUIET_MS; a
    // process still loading (or one that ends first) pays nothing, a server pays it after its
    // start, and saves made meanwhile are found by reading every file once (below).
    // Modules evaluate after their whole graph has loaded (on Node 20 the graph loads on the hooks
    // thread with no module entering the runtime): quiet counts from the first one.
    if (this.#runtime.files().length) this.#lastModule ??= performance.now();
    for (;;) {
      const wait = this.#lastModule === null ? QUIET_MS : this.#lastModule + QUIET_MS - performance.now();
      if (wait <= 0) break;
      await new Promise((resolve) => setTimeout(resolve, wait).unref());
    }
    // chokidar is loaded here, not at start-up: a process with the watcher off never loads it.
    const { watch } = await import('chokidar');
    if (this.#closed) return;
    this.#watchDirectories = (directories) => {
      if (this.#chokidar) {
        this.#chokidar.add(directories);
        return;
      }
      // Made with its first directories: chokidar made with none says `ready` at once, and
      // never again for what is added later.
      const chokidar = watch(directories, {
        ignoreInitial: true,
        persistent: false,
        depth: 0,
        atomic: true,
        ignored: (path: string) => !this.#directories.has(path) && !this.#files.has(path),
      });
      this.#chokidar = chokidar;
      chokidar.on('all', (event: string, path: string) => this.#runtime.detached(() => this.#event(event, path)));
      // chokidar drops a file's 'change' events for 50 ms after one (its throttle) and when the
      // mtime did not move (the clock's tick is ~4 ms): a save 30 ms after another was lost in
      // 10 of 10 tries here. Its raw events are every event the OS sends, dropped by nothing.
      chokidar.on('raw', (_event: string, name: string, details: unknown) => {
        const watched = (details as { watchedPath?: string } | undefined)?.watchedPath;
        if (!watched || !name) return;
        const path = this.#files.has(watched) ? watched : join(watched, name);
        if (this.#files.has(path)) this.#runtime.detached(() => this.#changed(path));
      });
      chokidar.on('error', (error: unknown) => this.#log(`[hot] watch: ${(error as Error)?.message ?? error}`));
      chokidar.once('ready', () => (this.#ready = true));
    };
    // Every directory tracked so far, those of modules that loaded while chokidar did included;
    // then every file is read once, for saves made before the watcher started.
    this.#runtime.detached(() => {
      this.#track(this.#runtime.files());
      if (this.#directories.size) this.#watchDirectories?.([...this.#directories]);
      for (const file of this.#files) this.#enqueue(file);
    });
  }

  /** Adds files to react to; returns the directories not watched yet. */
  #track(files: string[]): string[] {
    const directories: string[] = [];
    for (const file of files) {
      this.#files.add(file);
      const directory = dirname(file);
      if (!this.#directories.has(directory)) {
        this.#directories.add(directory);
        directories.push(directory);
      }
    }
    return directories;
  }

  /** Watches these files (through their directories) from now on. */
  #watch(files: string[]): void {
    const directories = this.#track(files);
    if (directories.length) this.#watchDirectories?.(directories);
  }

  /** Set once chokidar is loaded: starts watching directories (files tracked before are in the first call). */
  #watchDirectories: ((directories: string[]) => void) | null = null;

  #event(event: string, path: string): void {
    if (!this.#files.has(path)) return;
    if (event === 'unlink') {
      this.#log(`[hot] watch: ${relative(process.cwd(), path)} was deleted; its module keeps running its last code`);
      return;
    }
    if (event === 'change' || event === 'add') this.#changed(path);
  }

  /** A watched file may have new content: read it now, and once more a little later. */
  #changed(path: string): void {
    this.#enqueue(path);
    // A safety net under the raw events: the file is read once more after its last event, past
    // chokidar's 50 ms throttle, so no save is lost even if an event is. An unchanged file costs
    // that read and nothing else.
    clearTimeout(this.#trailing.get(path));
    const timer = setTimeout(() => {
      this.#trailing.delete(path);
      this.#runtime.detached(() => this.#enqueue(path));
    }, TRAILING_CHECK_MS);
    timer.unref();
    this.#trailing.set(path, timer);
  }

  /** Marks a file changed and makes sure a batch runs for it. */
  #enqueue(path: string): void {
    if (this.#closed) return;
    this.#pending.add(path);
    if (!this.#running) {
      this.#running = true;
      setImmediate(() => this.#runtime.detached(() => void this.#loop()));
    }
  }

  /** Runs batches until no change is pending. */
  async #loop(): Promise<void> {
    try {
      while (this.#pending.size && !this.#closed) {
        const batch = new Set([...this.#failed.keys(), ...this.#pending]);
        this.#pending.clear();
        let texts: Map<string, string>;
        try {
          texts = await this.#runtime.changed([...batch]);
        } catch (error) {
          this.#log(`[hot] watch: ${(error as Error)?.message ?? error}`);
          continue;
        }
        if (texts.size === 0) {
          this.#failed.clear();
          continue;
        }
        const changed = [...texts.keys()];
        if (this.#failed.size && changed.every((file) => this.#failed.has(file) && this.#failed.get(file) === texts.get(file))) continue;
        // The runtime reports the batch (its stderr line, onReload listeners, subscribers).
        const report = await this.#runtime.reload(changed);
        this.#failed = report.ok ? new Map() : texts;
      }
    } finally {
      this.#running = false;
    }
  }

  status(): WatchStatus {
    return { on: this.#ready && !this.#closed, files: this.#files.size, directories: this.#directories.size, paths: [...this.#directories].sort() };
  }

  /** Stops watching. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#offModule();
    for (const timer of this.#trailing.values()) clearTimeout(timer);
    await this.#chokidar?.close();
  }
}
