#!/usr/bin/env node
// bench/parsers.js — compare JS/TS parsers and scope analyzers for the
// @hot/loader transform.
//
//   node bench/parsers.js            (BENCH_ROUNDS=21 BENCH_WARMUP=5 by default)
//
// Plain ESM, no build step. Uses only packages from this project's
// node_modules; a package that is missing is reported as "not installed".
//
// What it measures (medians of BENCH_ROUNDS timed rounds after BENCH_WARMUP
// untimed rounds; every round runs every parser/analyzer on every module;
// group order rotates and module order is reshuffled per round, so ratios come
// from the same noisy machine state):
//   1. parse time per module (µs) + corpus throughput (MB/s)
//   2. scope-analysis time on an already-parsed AST
//   3. correctness of reference resolution on a synthetic module
//   4. combined parse+scope cost per 5 KB of source
//   5. cold start: import + first/second pass in a fresh child process
//      (the script re-runs itself with `--cold <combination>`)
//
// Corpus: real ESM files of 2–50 KB found under node_modules (minified files
// and exact duplicates skipped; at most PER_PACKAGE files per package; files
// acorn cannot parse as a module are skipped), topped up with CommonJS files
// that still parse as modules if fewer than CORPUS_SIZE ESM files exist, plus
// the synthetic "game server" module below (JS and TS variants).

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NODE_MODULES = path.join(ROOT, 'node_modules');
const ROUNDS = Math.max(15, Number(process.env.BENCH_ROUNDS) || 21);
const WARMUP = Math.max(1, Number(process.env.BENCH_WARMUP) || 5);
const CORPUS_SIZE = 20;
const PER_PACKAGE = 3;
const MIN_BYTES = 2 * 1024;
const MAX_BYTES = 50 * 1024;
const MAX_LINE = 2000; // longer lines => minified / embedded blob, skipped

// ---------------------------------------------------------------------------
// Synthetic modules. `// CHECK:<name>:<identifier>` marks the line holding the
// identifier occurrence a correctness check looks at (first whole-word match).

const GAME_JS = `// Synthetic game server module (bench/parsers.js)
import { EventEmitter } from 'node:events';
import createDebug, { enable as enableDebug } from './debug.js';
import * as log from './log.js';
import { loadMap, saveMap as persistMap } from './maps.js';

export const TICK_RATE = 20;
const config = { tickRate: TICK_RATE, maxPlayers: 16, region: 'eu-west', motd: \`Welcome to \${'arena'}!\` };
const { tickRate, maxPlayers = 32, ...restConfig } = config;
let [firstSpawn, secondSpawn = { x: 0, y: 0 }] = [{ x: 10, y: 20 }];
let score = 0;
let tick = 0, paused = false;
var legacyCounter = 0;
const players = new Map();
const debug = createDebug('game');
if (process.env.GAME_DEBUG) enableDebug('game*');

export class Player {
  static nextId = 1;
  #hp = 100;
  constructor(name, spawn = firstSpawn) {
    this.id = Player.nextId++;
    this.name = name;
    this.pos = { ...spawn };
    this.kills = 0;
  }
  get hp() { return this.#hp; }
  set hp(value) { this.#hp = Math.max(0, Math.min(100, value)); }
  get alive() { return this.#hp > 0; }
  update(now) {
    const { x, y } = this.pos;
    this.pos = { x: x + Math.sin(now / 10), y: y + Math.cos(now / 10) };
    return this;
  }
  toJSON() { return { id: this.id, name: this.name, hp: this.#hp, kills: this.kills }; }
}

export class GameServer extends EventEmitter {
  static instances = 0;
  static #registry = new Set();
  #interval = null;
  name;
  constructor(name = 'main', options = {}) {
    super();
    this.name = name;
    this.options = { ...restConfig, ...options };
    GameServer.instances++;
    GameServer.#registry.add(this);
  }
  static create(name) { return new GameServer(name); }
  static get all() { return [...GameServer.#registry]; }
  static { debug('GameServer class initialised'); }
  get playerCount() { return players.size; }
  get running() { return this.#interval !== null; }
  set running(on) { if (on) this.start(); else this.stop(); }
  start() {
    if (this.#interval) return;
    this.#interval = setInterval(() => this.step(), 1000 / tickRate);
    debug(\`server \${this.name} started at \${tickRate} Hz\`);
  }
  stop() {
    clearInterval(this.#interval);
    this.#interval = null;
  }
  step() {
    if (paused) return;
    tick++; // CHECK:update-write:tick
    for (const [id, p] of players) {
      p.update(tick);
      if (!p.alive) {
        this.emit('death', id);
        players.delete(id);
      }
    }
    this.emit('tick', tick);
  }
  join(name) {
    if (players.size >= maxPlayers) throw new Error('server full');
    const p = new Player(name, players.size % 2 ? firstSpawn : secondSpawn);
    players.set(p.id, p);
    this.emit('join', p);
    return p;
  }
  kill(attackerId, victimId) {
    const a = players.get(attackerId), v = players.get(victimId);
    if (!a || !v) return false;
    v.hp -= 100;
    a.kills += 1;
    bumpScore(10)();
    return true;
  }
  async loadLevel(levelName) {
    const map = await loadMap(levelName);
    [firstSpawn, secondSpawn] = map.spawns ?? [firstSpawn, secondSpawn]; // CHECK:destructure-write:firstSpawn
    return map;
  }
  async save(levelName) { await persistMap(levelName, { spawns: [firstSpawn, secondSpawn] }); }
  *entries() { yield* players.entries(); }
}

export function matchmake(queue, { teams = 2, maxRating = Infinity } = {}) {
  const buckets = Array.from({ length: teams }, () => []);
  let i = 0;
  outer: for (const entry of queue) {
    switch (entry?.mode) {
      case 'spectate':
        continue outer;
      case 'ranked':
        if ((entry.rating ?? 0) > maxRating) break outer;
      // fall through
      default:
        buckets[i++ % teams].push(entry);
    }
  }
  return buckets.map((members, team) => ({ team, members, rating: members.reduce((s, m) => s + (m.rating || 0), 0) }));
}

export function parseCommand(line) {
  const m = /^\\/(\\w+)(?:\\s+(.*))?$/u.exec(line.trim());
  if (!m) return null;
  const [, cmd, rest = ''] = m;
  try {
    return { cmd: cmd.toLowerCase(), args: rest.split(/\\s+/).filter(Boolean) };
  } catch (err) {
    debug('bad command %s: %o', line, err);
    return null;
  } finally {
    legacyCounter++;
  }
}

export function bumpScore(amount = 1) {
  let calls = 0;
  const apply = () => {
    score += 1; // CHECK:outer-write:score
    calls++;
    if (amount > 1) score += amount - 1;
    return score;
  };
  return apply;
}

export function resetLocal(seed) {
  let score = 10;
  score += 5; // CHECK:shadow-write:score
  return score + seed;
}

function parenBump() {
  (score) += 1; // CHECK:paren-write:score
  legacyCounter++;
}

export function report() {
  const lines = [];
  for (const p of players.values()) lines.push(\`\${p.name}: \${p.kills} kills, \${p.hp} hp\`);
  log.info(lines.join('\\n')); // CHECK:ns-read:log
  return { score, tick, players: players.size, paused };
}

export const pause = (on = true) => { paused = on; return paused; };
export const snapshot = () => JSON.stringify({ score, tick, players: [...players.values()] });
export default GameServer;
export { score, tick as currentTick, parenBump, legacyCounter };
`;

const GAME_TS = `// Synthetic game server module, TypeScript variant (bench/parsers.js)
import { EventEmitter } from 'node:events';
import createDebug, { enable as enableDebug } from './debug.js';
import * as log from './log.js';
import { loadMap, saveMap as persistMap, type MapData } from './maps.js';
import type { Server as HttpServer } from 'node:http';

export interface Vec2 { x: number; y: number }
export interface PlayerState { id: number; name: string; hp: number; kills: number }
type Config = { tickRate: number; maxPlayers?: number; region: string; motd: string };
type Listener<T> = (payload: T) => void;
interface Stats { score: number; tick: number; players: number } // CHECK:type-key:score
type Command = { cmd: string; args: readonly string[] };

export const TICK_RATE = 20 as const;
const config: Config = { tickRate: TICK_RATE, maxPlayers: 16, region: 'eu-west', motd: \`Welcome!\` };
const { tickRate, maxPlayers = 32, ...restConfig } = config;
let [firstSpawn, secondSpawn = { x: 0, y: 0 }]: Vec2[] = [{ x: 10, y: 20 }];
let score: number = 0;
let tick = 0, paused: boolean = false;
const players = new Map<number, Player>();
const debug = createDebug('game');
if (process.env.GAME_DEBUG) enableDebug('game*');

export class Player implements PlayerState {
  static nextId = 1;
  #hp = 100;
  kills = 0;
  pos: Vec2;
  constructor(public readonly name: string, spawn: Vec2 = firstSpawn, public id: number = Player.nextId++) {
    this.pos = { ...spawn };
  }
  get hp(): number { return this.#hp; }
  set hp(value: number) { this.#hp = Math.max(0, Math.min(100, value)); }
  get alive(): boolean { return this.#hp > 0; }
  update(now: number): this {
    const { x, y } = this.pos;
    this.pos = { x: x + Math.sin(now / 10), y: y + Math.cos(now / 10) };
    return this;
  }
  toJSON(): PlayerState { return { id: this.id, name: this.name, hp: this.#hp, kills: this.kills }; }
}

export class GameServer<Meta extends object = {}> extends EventEmitter {
  static instances = 0;
  static #registry = new Set<GameServer<any>>();
  #interval: ReturnType<typeof setInterval> | null = null;
  private http?: HttpServer;
  readonly options: Partial<Config> & Meta;
  constructor(public name: string = 'main', options: Meta = {} as Meta) {
    super();
    this.options = { ...restConfig, ...options } as Partial<Config> & Meta; // CHECK:type-ref2:Config
    GameServer.instances++;
    GameServer.#registry.add(this);
  }
  static create<M extends object>(name: string): GameServer<M> { return new GameServer<M>(name); }
  get playerCount(): number { return players.size; }
  get running(): boolean { return this.#interval !== null; }
  start(): void {
    if (this.#interval) return;
    this.#interval = setInterval(() => this.step(), 1000 / tickRate);
    debug(\`server \${this.name} started at \${tickRate} Hz\`);
  }
  stop(): void {
    clearInterval(this.#interval!);
    this.#interval = null;
  }
  step(): void {
    if (paused) return;
    tick++; // CHECK:update-write:tick
    for (const [id, p] of players) {
      p.update(tick);
      if (!p.alive) { this.emit('death', id); players.delete(id); }
    }
    this.emit('tick', tick);
  }
  join(name: string): Player {
    if (players.size >= maxPlayers) throw new Error('server full');
    const p = new Player(name, players.size % 2 ? firstSpawn : secondSpawn);
    players.set(p.id, p);
    return p;
  }
  on<T>(event: string, fn: Listener<T>): this { return super.on(event, fn as (...args: any[]) => void); }
  async loadLevel(levelName: string): Promise<MapData> {
    const map = (await loadMap(levelName)) as MapData & { spawns?: [Vec2, Vec2] };
    [firstSpawn, secondSpawn] = map.spawns ?? [firstSpawn, secondSpawn]; // CHECK:destructure-write:firstSpawn
    return map;
  }
  async save(levelName: string): Promise<void> { await persistMap(levelName, { spawns: [firstSpawn, secondSpawn] }); }
  stats(): Stats { return { score, tick, players: players.size }; }
}

export function matchmake<T extends { mode?: string; rating?: number }>(queue: Iterable<T>, { teams = 2, maxRating = Infinity }: { teams?: number; maxRating?: number } = {}): T[][] {
  const buckets: T[][] = Array.from({ length: teams }, () => []);
  let i = 0;
  outer: for (const entry of queue) {
    switch (entry?.mode) {
      case 'spectate': continue outer;
      case 'ranked': if ((entry.rating ?? 0) > maxRating) break outer;
      default: buckets[i++ % teams]!.push(entry);
    }
  }
  return buckets;
}

export function parseCommand(line: string): Command | null {
  const m = /^\\/(\\w+)(?:\\s+(.*))?$/u.exec(line.trim());
  if (!m) return null;
  const [, cmd, rest = ''] = m as unknown as [string, string, string?];
  return { cmd: cmd.toLowerCase(), args: rest.split(/\\s+/).filter(Boolean) } satisfies Command;
}

export function bumpScore(amount: number = 1): () => number {
  let calls = 0;
  const apply = (): number => {
    score += 1; // CHECK:outer-write:score
    calls++;
    return score;
  };
  return apply;
}

export function resetLocal(seed: number): number {
  let score = 10;
  score += 5; // CHECK:shadow-write:score
  return score + seed;
}

function applyBonus(score: number): number {
  score += 2; // CHECK:ts-param-shadow:score
  return score;
}

function castBump(): void {
  (score as number) += 1; // CHECK:as-write:score
}

export function heal(p: PlayerState, by: number): PlayerState { // CHECK:type-ref:PlayerState
  return { ...p, hp: Math.min(100, p.hp + by) };
}

export function report(): { score: number; tick: number } {
  log.info([...players.values()].map((p) => \`\${p.name}: \${p.kills}\`).join('\\n')); // CHECK:ns-read:log
  return { score, tick };
}

export const pause = (on = true): boolean => { paused = on; return paused; };
export default GameServer;
export { score, tick as currentTick, applyBonus, castBump };
`;

// expected outcome of each check: where the identifier must resolve, and
// whether it must be a write.
const EXPECT = {
  'outer-write': { owner: 'module', write: true },
  'shadow-write': { owner: 'local', write: true },
  'paren-write': { owner: 'module', write: true },
  'ns-read': { owner: 'module', write: false },
  'ts-param-shadow': { owner: 'local', write: true },
  'as-write': { owner: 'module', write: true },
  'type-ref': { owner: 'type', write: false }, // must not be a value reference to a global
  'type-ref2': { owner: 'type', write: false },
  'type-key': { owner: 'type', write: false }, // interface member name: no reference at all
  'destructure-write': { owner: 'module', write: true },
  'update-write': { owner: 'module', write: true },
};

function findChecks(src) {
  const out = [];
  let lineStart = 0;
  for (const line of src.split('\n')) {
    const m = /\/\/ CHECK:([\w-]+):(\w+)/.exec(line);
    if (m) {
      const idx = new RegExp(`\\b${m[2]}\\b`).exec(line).index;
      out.push({ name: m[1], ident: m[2], offset: lineStart + idx });
    }
    lineStart += line.length + 1;
  }
  return out;
}

// ---------------------------------------------------------------------------
// Cold start (table 6): `node bench/parsers.js --cold <id>` runs in a fresh
// child process: import the packages, then time the first and second
// parse+scope pass over the synthetic module(s). Prints one JSON line.

const COLD = {
  'acorn+eslint-scope': { pkgs: ['acorn', 'eslint-scope', 'eslint-visitor-keys'], ts: false },
  'acorn+periscopic': { pkgs: ['acorn', 'periscopic'], ts: false },
  'meriyah+eslint-scope': { pkgs: ['meriyah', 'eslint-scope', 'eslint-visitor-keys'], ts: false },
  'oxc+eslint-scope': { pkgs: ['oxc-parser', 'eslint-scope'], ts: true },
  'oxc+ts-scope-manager': { pkgs: ['oxc-parser', '@typescript-eslint/scope-manager'], ts: true },
  'es-module-lexer': { pkgs: ['es-module-lexer'], ts: true },
};

async function coldChild(id) {
  const t = process.hrtime.bigint;
  const ms = (a, b) => Number(b - a) / 1e6;
  const t0 = t();
  const m = {};
  for (const name of COLD[id].pkgs) m[name] = await import(name);
  const ts = (await m['@typescript-eslint/scope-manager']) && (m['@typescript-eslint/scope-manager'].analyze ?? m['@typescript-eslint/scope-manager'].default.analyze);
  if (m['es-module-lexer']) await m['es-module-lexer'].init;
  const t1 = t();
  const oxcParse = (src, isTs, astType) => m['oxc-parser'].parseSync(isTs ? 'm.ts' : 'm.js', src,
    { lang: isTs ? 'ts' : 'js', sourceType: 'module', range: true, preserveParens: false, astType }).program;
  const esOpts = (keys) => ({ ecmaVersion: 2025, sourceType: 'module', fallback: 'iteration', childVisitorKeys: keys });
  const run = {
    'acorn+eslint-scope': (src) => m['eslint-scope'].analyze(m.acorn.parse(src, { ecmaVersion: 'latest', sourceType: 'module', ranges: true }), esOpts(m['eslint-visitor-keys'].KEYS)),
    'acorn+periscopic': (src) => m.periscopic.analyze(m.acorn.parse(src, { ecmaVersion: 'latest', sourceType: 'module' })),
    'meriyah+eslint-scope': (src) => m['eslint-scope'].analyze(m.meriyah.parseModule(src, { next: true, ranges: true }), esOpts(m['eslint-visitor-keys'].KEYS)),
    'oxc+eslint-scope': (src, isTs) => m['eslint-scope'].analyze(oxcParse(src, isTs, isTs ? 'ts' : 'js'), esOpts(m['oxc-parser'].visitorKeys)),
    'oxc+ts-scope-manager': (src, isTs) => ts(oxcParse(src, isTs, 'ts'), { sourceType: 'module' }),
    'es-module-lexer': (src) => m['es-module-lexer'].parse(src),
  }[id];
  const t2 = t(); run(GAME_JS, false); const t3 = t(); run(GAME_JS, false); const t4 = t();
  let tsFirst = null;
  if (COLD[id].ts) { const a = t(); run(GAME_TS, true); tsFirst = ms(a, t()); }
  process.stdout.write(JSON.stringify({ importMs: ms(t0, t1), firstMs: ms(t2, t3), secondMs: ms(t3, t4), tsFirstMs: tsFirst }) + '\n');
}
if (process.argv[2] === '--cold') {
  await coldChild(process.argv[3]);
  process.exit(0);
}

// ---------------------------------------------------------------------------
// Optional imports

async function tryImport(name) {
  try {
    return await import(name);
  } catch (err) {
    if (err?.code === 'ERR_MODULE_NOT_FOUND' || err?.code === 'MODULE_NOT_FOUND') return null;
    return { __error: err };
  }
}
const notInstalled = [];
const mods = {};
for (const name of ['acorn', 'oxc-parser', 'meriyah', 'eslint-scope', 'eslint-visitor-keys',
  '@typescript-eslint/scope-manager', 'periscopic', 'es-module-lexer']) {
  const m = await tryImport(name);
  if (m == null) notInstalled.push(name);
  else if (m.__error) notInstalled.push(`${name} (failed to load: ${m.__error.message})`);
  else mods[name] = m;
}
const version = (name) => {
  try { return JSON.parse(fs.readFileSync(path.join(NODE_MODULES, name, 'package.json'), 'utf8')).version; } catch { return '?'; }
};

const acorn = mods.acorn;
const oxc = mods['oxc-parser'];
const meriyah = mods.meriyah;
const eslintScope = mods['eslint-scope'];
const evk = mods['eslint-visitor-keys'];
const tsScope = mods['@typescript-eslint/scope-manager'];
const periscopic = mods.periscopic;
const esml = mods['es-module-lexer'];
if (esml) await esml.init;
const oxcRaw = !!(oxc && oxc.rawTransferSupported?.());

// ---------------------------------------------------------------------------
// Corpus

function* walkFiles(dir) {
  let entries;
  try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return; }
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      // dot-dirs (.bin, .cache: e.g. node_modules/.cache/hot-loader holds generated code)
      if (e.name.startsWith('.') || e.name === 'typescript' || e.name === 'test' || e.name === 'tests') continue;
      yield* walkFiles(p);
    } else if (e.isFile() && /\.(m?js)$/.test(e.name)) yield p;
  }
}

function pkgOf(rel) {
  const parts = rel.split(path.sep);
  return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

function buildCorpus() {
  const skipped = { size: 0, minified: 0, duplicate: 0, noModuleParse: 0 };
  if (!acorn) return { files: [], skipped };
  const esm = [], cjs = [], seen = new Set();
  for (const file of walkFiles(NODE_MODULES)) {
    const size = fs.statSync(file).size;
    if (size < MIN_BYTES || size > MAX_BYTES) { skipped.size++; continue; }
    const src = fs.readFileSync(file, 'utf8');
    if (src.split('\n').some((l) => l.length > MAX_LINE)) { skipped.minified++; continue; }
    if (seen.has(src)) { skipped.duplicate++; continue; }
    seen.add(src);
    let ast;
    try { ast = acorn.parse(src, { ecmaVersion: 'latest', sourceType: 'module' }); } catch { skipped.noModuleParse++; continue; }
    const rel = path.relative(NODE_MODULES, file);
    const isEsm = ast.body.some((n) => /^(Import|Export)/.test(n.type));
    (isEsm ? esm : cjs).push({ name: rel, pkg: pkgOf(rel), src, bytes: Buffer.byteLength(src), esm: isEsm });
  }
  const pick = (list, out) => {
    const perPkg = new Map();
    for (const f of out) perPkg.set(f.pkg, (perPkg.get(f.pkg) || 0) + 1);
    // largest files of each package first, round-robin over packages for spread
    const byPkg = new Map();
    for (const f of list) { if (!byPkg.has(f.pkg)) byPkg.set(f.pkg, []); byPkg.get(f.pkg).push(f); }
    for (const l of byPkg.values()) l.sort((a, b) => b.bytes - a.bytes);
    let progress = true;
    while (out.length < CORPUS_SIZE && progress) {
      progress = false;
      for (const [pkg, l] of byPkg) {
        if (out.length >= CORPUS_SIZE) break;
        if (!l.length || (perPkg.get(pkg) || 0) >= PER_PACKAGE) continue;
        out.push(l.shift());
        perPkg.set(pkg, (perPkg.get(pkg) || 0) + 1);
        progress = true;
      }
    }
  };
  const files = [];
  pick(esm, files);
  pick(cjs, files);
  files.sort((a, b) => a.bytes - b.bytes);
  return { files, skipped };
}

// ---------------------------------------------------------------------------
// Parsers. Each returns an ESTree-ish Program; `opts` notes what was used.

const parsers = [];
function addParser(id, label, pkg, ok, ts, parse, note) {
  parsers.push({ id, label, pkg, available: ok, ts, parse, note });
}
addParser('acorn', 'acorn', 'acorn', !!acorn, false,
  (src) => acorn.parse(src, { ecmaVersion: 'latest', sourceType: 'module', locations: false }),
  'ecmaVersion latest, module, locations off');
addParser('acorn-r', 'acorn+R', 'acorn', !!acorn, false,
  (src) => acorn.parse(src, { ecmaVersion: 'latest', sourceType: 'module', locations: false, ranges: true }),
  'as above + ranges:true (eslint-scope needs node.range)');
const oxcProgram = (file, src, opts) => {
  const r = oxc.parseSync(file, src, opts);
  const program = r.program; // lazy getter: JSON.parse happens here
  if (r.errors.length) throw new Error(r.errors[0].message);
  return program;
};
addParser('oxc', 'oxc', 'oxc-parser', !!oxc, true,
  (src, ts) => oxcProgram(ts ? 'm.ts' : 'm.js', src, { lang: ts ? 'ts' : 'js', sourceType: 'module' }),
  'parseSync, lang js|ts, defaults (preserveParens true, no range)');
addParser('oxc-r', 'oxc+R-P', 'oxc-parser', !!oxc, true,
  (src, ts) => oxcProgram(ts ? 'm.ts' : 'm.js', src, { lang: ts ? 'ts' : 'js', sourceType: 'module', range: true, preserveParens: false }),
  'parseSync, range:true, preserveParens:false (scope-analyzer ready)');
addParser('oxc-rt', 'oxc+R-P+tsAST', 'oxc-parser', !!oxc, true,
  (src, ts) => oxcProgram(ts ? 'm.ts' : 'm.js', src, { lang: ts ? 'ts' : 'js', sourceType: 'module', range: true, preserveParens: false, astType: 'ts' }),
  'as above + astType:"ts" (TS-ESTree shape for JS too; same as above for .ts)');
addParser('oxc-raw', 'oxcRaw+R-P+tsAST', 'oxc-parser', oxcRaw, true,
  (src, ts) => oxcProgram(ts ? 'm.ts' : 'm.js', src, { lang: ts ? 'ts' : 'js', sourceType: 'module', range: true, preserveParens: false, astType: 'ts', experimentalRawTransfer: true }),
  'as above with experimentalRawTransfer (Node >= 22 only)');
addParser('meriyah', 'meriyah', 'meriyah', !!meriyah, false,
  (src) => meriyah.parseModule(src, { next: true }),
  'parseModule (module), next:true');
addParser('meriyah-r', 'meriyah+R', 'meriyah', !!meriyah, false,
  (src) => meriyah.parseModule(src, { next: true, ranges: true }),
  'as above + ranges:true (start/end/range)');
const lexerRow = { id: 'esml', label: 'es-module-lexer', pkg: 'es-module-lexer', available: !!esml, ts: true,
  parse: (src) => esml.parse(src), note: 'lexer only: imports/exports, no AST' };

// ---------------------------------------------------------------------------
// Scope analyzers. Each has `run(ast)` and `resolve(ast, result, offset)`,
// returning { owner: 'module'|'local'|'global'|'type'|'none', write: bool|null }.

const oxcKeys = oxc?.visitorKeys;
const estreeKeys = evk?.KEYS;

function eslintLikeResolve(sm, offset) {
  // eslint-scope and @typescript-eslint/scope-manager share this shape
  for (const scope of sm.scopes) {
    for (const ref of scope.references) {
      const id = ref.identifier;
      const start = id.range ? id.range[0] : id.start;
      if (start !== offset) continue;
      const v = ref.resolved;
      let owner;
      if (!v) owner = 'global';
      else if (v.scope.type === 'module') owner = 'module';
      else if (v.scope.type === 'global') owner = 'global';
      else owner = 'local';
      if (ref.isTypeReference && !ref.isValueReference) owner = 'type';
      else if (v && v.defs?.length && v.defs.every((d) => d.type === 'Type' || d.node?.type?.startsWith?.('TSInterface') || d.node?.type === 'TSTypeAliasDeclaration')) {
        owner = ref.isValueReference ? 'global' : 'type';
      }
      return { owner, write: ref.isWrite() };
    }
  }
  return { owner: 'none', write: null };
}

function periscopicResolve(ast, res, offset) {
  // walk the AST tracking periscopic's scope map; find the Identifier at offset
  let found = null;
  const visit = (node, scope) => {
    if (found || !node || typeof node.type !== 'string') return;
    const s = res.map.get(node) || scope;
    if (node.type === 'Identifier' && (node.range ? node.range[0] : node.start) === offset) {
      found = { node, scope: s };
      return;
    }
    for (const key in node) {
      if (key === 'parent' || key === 'range' || key === 'loc') continue;
      const v = node[key];
      if (Array.isArray(v)) for (const c of v) visit(c, s);
      else if (v && typeof v === 'object' && typeof v.type === 'string') visit(v, s);
    }
  };
  visit(ast, res.scope);
  if (!found) return { owner: 'none', write: null };
  const owner = found.scope.find_owner(found.node.name);
  return { owner: !owner ? 'global' : owner === res.scope ? 'module' : 'local', write: null };
}

const analyzers = [];
if (eslintScope) {
  analyzers.push({
    id: 'eslint-scope', label: 'eslint-scope', available: true,
    run: (ast, astKind) => eslintScope.analyze(ast, {
      ecmaVersion: 2025, sourceType: 'module', fallback: 'iteration',
      childVisitorKeys: astKind.startsWith('oxc') ? oxcKeys : estreeKeys ?? null,
    }),
    resolve: (ast, sm, off) => eslintLikeResolve(sm, off),
    gives: 'scopes, variables, references (read/write, resolved)',
  });
  // same analyzer, but always with eslint-visitor-keys: oxc's visitorKeys list the
  // TS-only children of every node (decorators, typeAnnotation, ...), which makes
  // eslint-scope's traversal slower even on a JS AST that has none of them
  analyzers.push({
    id: 'eslint-scope-evk', label: 'eslint-scope (ESTree keys)', available: !!estreeKeys,
    run: (ast) => eslintScope.analyze(ast, { ecmaVersion: 2025, sourceType: 'module', fallback: 'iteration', childVisitorKeys: estreeKeys }),
    resolve: (ast, sm, off) => eslintLikeResolve(sm, off),
  });
} else analyzers.push({ id: 'eslint-scope', label: 'eslint-scope', available: false });
if (tsScope) {
  const analyze = tsScope.analyze ?? tsScope.default?.analyze;
  analyzers.push({
    id: 'ts-scope', label: '@ts-eslint/scope-manager', available: true,
    run: (ast) => analyze(ast, { sourceType: 'module' }),
    resolve: (ast, sm, off) => eslintLikeResolve(sm, off),
    gives: 'scopes, variables, references (read/write, value/type)',
  });
} else analyzers.push({ id: 'ts-scope', label: '@ts-eslint/scope-manager', available: false });
if (periscopic) {
  analyzers.push({
    id: 'periscopic', label: 'periscopic', available: true,
    run: (ast) => periscopic.analyze(ast),
    resolve: periscopicResolve,
    gives: 'scope map + declarations by name only (no per-reference read/write)',
  });
} else analyzers.push({ id: 'periscopic', label: 'periscopic', available: false });

// combinations to measure: analyzer x parser (AST); ts = also run on the TS module
const combos = [
  ['eslint-scope', 'acorn-r', false],
  ['periscopic', 'acorn', false],
  ['eslint-scope', 'meriyah-r', false],
  ['eslint-scope', 'oxc-r', true],
  ['eslint-scope-evk', 'oxc-r', false],
  ['ts-scope', 'oxc-rt', true],
  ['ts-scope', 'oxc-raw', true],
  ['periscopic', 'oxc-r', true],
].map(([a, p, ts]) => ({
  analyzer: analyzers.find((x) => x.id === a),
  parser: parsers.find((x) => x.id === p),
  ts,
})).filter((c) => c.analyzer?.available && c.parser?.available);

// ---------------------------------------------------------------------------
// Measurement helpers

const now = process.hrtime.bigint;
// No forced gc() between groups: with a full GC before every group, acorn and
// meriyah measured up to 10x slower (oxc unaffected), most likely V8 flushing
// the bytecode of the then-idle JS parsers; cold-code cost is table 6 instead.
// Instead the module order is reshuffled every round, so GC pauses land on
// random modules and drop out of the medians.
let seed = 0x2545f491;
const rand = () => ((seed = (Math.imul(seed ^ (seed >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32);
function shuffle(a) {
  for (let i = a.length - 1; i > 0; i--) { const j = Math.floor(rand() * (i + 1)); [a[i], a[j]] = [a[j], a[i]]; }
  return a;
}
let sink = 0;
const median = (xs) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : '-');
const pad = (s, n) => String(s).padStart(n);
const padR = (s, n) => String(s).padEnd(n);
function table(headers, rows, leftCols = 1) {
  const w = headers.map((h, i) => Math.max(String(h).length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => r.map((c, i) => (i < leftCols ? padR(c, w[i]) : pad(c, w[i]))).join('  ');
  console.log(line(headers));
  console.log(w.map((n) => '-'.repeat(n)).join('  '));
  for (const r of rows) console.log(line(r));
}
function shortErr(e) {
  const msg = String(e?.message ?? e).split('\n')[0]
    .replace(/^Cannot read properties of (undefined|null) \(reading '([^']*)'\)/, "TypeError: $1['$2']");
  return msg.slice(0, 70);
}

// ---------------------------------------------------------------------------
// Main

const t0 = now();
const { files: corpus, skipped } = buildCorpus();
const synthJs = { name: '<synthetic game server .js>', pkg: '-', src: GAME_JS, bytes: Buffer.byteLength(GAME_JS), ts: false, synthetic: true };
const synthTs = { name: '<synthetic game server .ts>', pkg: '-', src: GAME_TS, bytes: Buffer.byteLength(GAME_TS), ts: true, synthetic: true };
const modules = [...corpus, synthJs, synthTs];
for (const m of modules) m.ts ??= false;
const corpusBytes = corpus.reduce((s, m) => s + m.bytes, 0);

console.log(`# @hot/loader parser / scope-analyzer benchmark`);
console.log(`node ${process.version} (${process.platform}-${process.arch}), ${ROUNDS} timed rounds after ${WARMUP} warm-up rounds, medians in µs`);
console.log(`versions: ${['acorn', 'oxc-parser', 'meriyah', 'eslint-scope', '@typescript-eslint/scope-manager', 'periscopic', 'es-module-lexer']
  .map((n) => `${n}@${mods[n] ? version(n) : 'not installed'}`).join(', ')}`);
if (notInstalled.length) console.log(`not installed: ${notInstalled.join(', ')}`);
if (oxc && !oxcRaw) console.log(`oxc-parser experimentalRawTransfer: not supported on this Node (needs >= 22) - row skipped`);
console.log(`corpus: ${corpus.length} real modules from node_modules (${corpus.filter((m) => m.esm).length} with import/export), ` +
  `${(corpusBytes / 1024).toFixed(1)} KB total; skipped: ${skipped.minified} minified, ${skipped.duplicate} duplicate, ` +
  `${skipped.noModuleParse} not parseable as module (acorn); synthetic JS ${(synthJs.bytes / 1024).toFixed(1)} KB, TS ${(synthTs.bytes / 1024).toFixed(1)} KB`);
console.log('');

// --- sanity pass: which parser can parse which module; capture ASTs for scope runs
const activeParsers = [...parsers.filter((p) => p.available), ...(lexerRow.available ? [lexerRow] : [])];
const parseErr = new Map(); // `${parser}|${module}` -> message
const asts = new Map(); // `${parser}|${module}` -> ast
for (const p of activeParsers) {
  for (const m of modules) {
    try {
      const ast = p.parse(m.src, m.ts);
      if (p !== lexerRow) asts.set(`${p.id}|${m.name}`, ast);
    } catch (e) { parseErr.set(`${p.id}|${m.name}`, shortErr(e)); }
  }
}
const scopeErr = new Map(); // `${comboIdx}|${module}` -> message
combos.forEach((c, ci) => {
  for (const m of modules) {
    if (m.ts && !c.ts) continue;
    const ast = asts.get(`${c.parser.id}|${m.name}`);
    if (!ast) { scopeErr.set(`${ci}|${m.name}`, 'no AST'); continue; }
    try { c.analyzer.run(ast, c.parser.id); } catch (e) { scopeErr.set(`${ci}|${m.name}`, shortErr(e)); }
  }
});

// --- timing rounds. A round runs every group (one parser, or one analyzer x AST)
// over all modules back to back, in a fresh random module order each round;
// group order rotates from round to round.
const parseSamples = new Map(); // key -> number[]
const scopeSamples = new Map();
const groups = [];
for (const p of activeParsers) {
  const g = [];
  for (const m of modules) {
    const key = `${p.id}|${m.name}`;
    if (parseErr.has(key)) continue;
    parseSamples.set(key, []);
    g.push({ samples: parseSamples.get(key), fn: () => p.parse(m.src, m.ts) });
  }
  groups.push(g);
}
combos.forEach((c, ci) => {
  const g = [];
  for (const m of modules) {
    if (m.ts && !c.ts) continue;
    const key = `${ci}|${m.name}`;
    if (scopeErr.has(key)) continue;
    const ast = asts.get(`${c.parser.id}|${m.name}`);
    scopeSamples.set(key, []);
    g.push({ samples: scopeSamples.get(key), fn: () => c.analyzer.run(ast, c.parser.id) });
  }
  groups.push(g);
});
for (let round = 0; round < WARMUP + ROUNDS; round++) {
  for (let gi = 0; gi < groups.length; gi++) {
    const g = groups[(gi + round) % groups.length];
    shuffle(g);
    for (const t of g) {
      const a = now();
      const r = t.fn();
      const b = now();
      sink ^= r ? 1 : 0;
      if (round >= WARMUP) t.samples.push(Number(b - a) / 1000);
    }
  }
}
const pMed = (pid, m) => median(parseSamples.get(`${pid}|${m.name}`) ?? []);
const sMed = (ci, m) => median(scopeSamples.get(`${ci}|${m.name}`) ?? []);

// --- table 1: parse time per module
console.log('## 1. Parse time per module (median µs; "x" = parse error)');
console.log('   R = range(s):true, -P = preserveParens:false, tsAST = astType:"ts", oxcRaw = experimentalRawTransfer (see table 2)');
const pcols = activeParsers;
table(['module', 'KB', ...pcols.map((p) => p.label)], modules.map((m) => [
  m.name.length > 58 ? '…' + m.name.slice(-57) : m.name,
  (m.bytes / 1024).toFixed(1),
  ...pcols.map((p) => (parseErr.has(`${p.id}|${m.name}`) ? 'x' : fmt(pMed(p.id, m)))),
]));
console.log('');
for (const p of pcols) {
  const errs = modules.filter((m) => parseErr.has(`${p.id}|${m.name}`));
  for (const m of errs) console.log(`  ${p.label} cannot parse ${m.name}: ${parseErr.get(`${p.id}|${m.name}`)}`);
}
console.log('');

// --- table 2: corpus throughput
console.log(`## 2. Parse throughput over the ${corpus.length}-module corpus (${(corpusBytes / 1024).toFixed(1)} KB; sum of per-module medians)`);
const baseTotal = corpus.reduce((s, m) => s + pMed('acorn', m), 0);
const parseTotals = new Map();
table(['parser', 'options', 'total µs', 'MB/s', 'vs acorn', 'synth JS µs', 'synth TS µs'], pcols.map((p) => {
  const ok = corpus.every((m) => !parseErr.has(`${p.id}|${m.name}`));
  const total = ok ? corpus.reduce((s, m) => s + pMed(p.id, m), 0) : NaN;
  parseTotals.set(p.id, total);
  return [p.label, p.note, fmt(total), fmt(corpusBytes / 1048576 / (total / 1e6), 1),
    Number.isFinite(baseTotal) ? fmt(total / baseTotal, 2) + 'x' : '-',
    parseErr.has(`${p.id}|${synthJs.name}`) ? 'x' : fmt(pMed(p.id, synthJs)),
    parseErr.has(`${p.id}|${synthTs.name}`) ? 'cannot' : fmt(pMed(p.id, synthTs))];
}), 2);
console.log('');

// --- table 3: scope analysis time
console.log('## 3. Scope analysis on an already-parsed AST (median µs; parse time excluded)');
const scopeTotals = new Map();
table(['analyzer', 'AST from', 'corpus µs', 'µs/5KB', 'synth JS µs', 'synth TS µs', 'errors'], combos.map((c, ci) => {
  const errs = corpus.filter((m) => scopeErr.has(`${ci}|${m.name}`));
  const total = errs.length ? NaN : corpus.reduce((s, m) => s + sMed(ci, m), 0);
  scopeTotals.set(ci, total);
  const jsE = scopeErr.get(`${ci}|${synthJs.name}`), tsE = scopeErr.get(`${ci}|${synthTs.name}`);
  const firstErr = errs.length ? `${errs.length}/${corpus.length} throw: ${scopeErr.get(`${ci}|${errs[0].name}`)}` : (jsE || tsE ? `synthetic throws: ${jsE || tsE}` : '');
  return [c.analyzer.label, c.parser.label, fmt(total), fmt(total / corpusBytes * 5120),
    jsE ? 'throws' : fmt(sMed(ci, synthJs)), !c.ts ? 'n/a' : tsE ? 'throws' : fmt(sMed(ci, synthTs)), firstErr];
}), 2);
console.log('');

// --- table 4: correctness on the synthetic modules
console.log('## 4. Reference resolution on the synthetic module (ok / WRONG: got owner,write)');
const jsChecks = findChecks(GAME_JS), tsChecks = findChecks(GAME_TS);
const present = new Set([...jsChecks, ...tsChecks].map((c) => c.name));
const checkNames = Object.keys(EXPECT).filter((n) => present.has(n));
const verdicts = new Map();
const rows4 = [];
// returns { cells: per check name ('' if not applicable), verdict, wrong: [names], err }
function runChecks(analyzer, astKind, ast, checks) {
  let res, err;
  try { res = analyzer.run(ast, astKind); } catch (e) { err = shortErr(e); }
  const wrong = [];
  const cells = checkNames.map((name) => {
    const ck = checks.find((x) => x.name === name);
    if (!ck) return '';
    if (err) return 'throws';
    const got = analyzer.resolve(ast, res, ck.offset);
    const exp = EXPECT[name];
    const ok = exp.owner === 'type'
      ? got.owner === 'type' || got.owner === 'none'
      : got.owner === exp.owner && (got.write === null || got.write === exp.write);
    if (!ok) wrong.push(name);
    return ok ? (got.write === null && exp.write ? 'ok(no rw)' : 'ok')
      : `WRONG:${got.owner},${got.write === null ? '?' : got.write ? 'w' : 'r'}`;
  });
  return { cells, wrong, err, verdict: err ? 'throws' : wrong.length ? 'WRONG' : 'ok' };
}
combos.forEach((c, ci) => {
  for (const [m, checks] of [[synthJs, jsChecks], [synthTs, tsChecks]]) {
    if (m.ts && !c.ts) continue;
    const ast = asts.get(`${c.parser.id}|${m.name}`);
    const r = ast ? runChecks(c.analyzer, c.parser.id, ast, checks) : { cells: checkNames.map(() => 'no AST'), verdict: 'no AST' };
    verdicts.set(`${ci}|${m.ts ? 'ts' : 'js'}`, r.verdict);
    rows4.push([c.analyzer.label, c.parser.label, m.ts ? 'TS' : 'JS', ...r.cells, r.verdict]);
  }
});
table(['analyzer', 'AST from', 'src', ...checkNames, 'verdict'], rows4, 3);
console.log('  outer-write: `score += 1` in a nested arrow -> module `score`, write.  shadow-write: `score += 5` after `let score`');
console.log('  in a function -> local.  paren-write: `(score) += 1` -> module, write.  ns-read: `log.info` -> module');
console.log('  (import * as log).  destructure-write: `[firstSpawn, secondSpawn] = ...` in a method -> module, write.');
console.log('  update-write: `tick++` -> module, write.  ts-param-shadow: `score += 2`, `score: number` a parameter -> local.');
console.log('  as-write: `(score as number) += 1` -> module, write.  type-ref / type-ref2: `PlayerState` in `p: PlayerState`,');
console.log('  `Config` in `as Partial<Config>` -> no value reference.  type-key: `score` in `interface Stats { score: number }`');
console.log('  -> no reference.  ok(no rw): resolves right, but the analyzer has no per-reference read/write information.');
console.log('');

// --- table 4b: cross-check on the real corpus against eslint-scope on acorn
{
  const ref = combos.findIndex((c) => c.analyzer.id === 'eslint-scope' && c.parser.id === 'acorn-r');
  const sig = (sm) => {
    // every reference to a module-scope variable: name@offset:r/w (+ declaration names)
    const out = [];
    const mod = sm.scopes.find((x) => x.type === 'module');
    if (!mod) return out;
    for (const v of mod.variables) {
      if (!v.defs.length) continue;
      out.push(`def ${v.name}`);
      for (const r of v.references) {
        const id = r.identifier;
        out.push(`${v.name}@${id.range ? id.range[0] : id.start}:${r.isRead() ? 'r' : ''}${r.isWrite() ? 'w' : ''}`);
      }
    }
    return out.sort();
  };
  if (ref >= 0) {
    console.log('## 4b. Cross-check on the corpus: module-scope variables and every reference to them (name@offset:rw)');
    console.log('    compared with eslint-scope on acorn (reference analyzer for plain JS)');
    const rows = [];
    combos.forEach((c, ci) => {
      if (ci === ref || c.analyzer.id === 'periscopic') return;
      let same = 0, diff = 0, refs = 0, first = '';
      for (const m of corpus) {
        const a = asts.get(`acorn-r|${m.name}`), b = asts.get(`${c.parser.id}|${m.name}`);
        if (!a || !b || scopeErr.has(`${ci}|${m.name}`)) { diff++; first ||= `${m.name}: no result`; continue; }
        const sa = sig(combos[ref].analyzer.run(a, 'acorn-r')), sb = sig(c.analyzer.run(b, c.parser.id));
        refs += sa.length;
        const A = new Set(sa), B = new Set(sb);
        const onlyA = sa.filter((x) => !B.has(x)), onlyB = sb.filter((x) => !A.has(x));
        if (!onlyA.length && !onlyB.length) same++;
        else { diff++; first ||= `${m.name}: missing ${onlyA.slice(0, 2).join(' ') || '-'}; extra ${onlyB.slice(0, 2).join(' ') || '-'}`; }
      }
      rows.push([c.analyzer.label, c.parser.label, `${same}/${corpus.length}`, refs, first || '']);
    });
    table(['analyzer', 'AST from', 'identical', 'items', 'first difference'], rows, 2);
    console.log('');
  }
}

// --- table 4c: oxc option sensitivity (correctness only)
if (oxc) {
  console.log('## 4c. oxc-parser option sensitivity: same checks, analyzers run on oxc ASTs built with different options');
  const variants = [
    ['defaults', {}],
    ['range', { range: true }],
    ['range, preserveParens:false', { range: true, preserveParens: false }],
    ['range, astType:ts', { range: true, astType: 'ts' }],
    ['range, preserveParens:false, astType:ts', { range: true, preserveParens: false, astType: 'ts' }],
  ];
  const rows = [];
  for (const an of analyzers.filter((a) => a.available && a.id !== 'periscopic' && a.id !== 'eslint-scope-evk')) {
    for (const [vname, opts] of variants) {
      const row = [an.label, vname];
      for (const [m, checks] of [[synthJs, jsChecks], [synthTs, tsChecks]]) {
        let ast;
        try { ast = oxcProgram(m.ts ? 'm.ts' : 'm.js', m.src, { lang: m.ts ? 'ts' : 'js', sourceType: 'module', ...opts }); } catch (e) { row.push('parse error'); continue; }
        const r = runChecks(an, 'oxc', ast, checks);
        row.push(r.err ? `throws: ${r.err.slice(0, 48)}` : r.wrong.length ? `WRONG: ${r.wrong.join(',')}` : 'ok');
      }
      rows.push(row);
    }
  }
  table(['analyzer', 'oxc options (+lang, module)', 'JS module', 'TS module'], rows, 4);
  const count = (opts) => {
    let n = 0;
    const walk = (x) => { if (Array.isArray(x)) x.forEach(walk); else if (x && typeof x === 'object') { if (x.type === 'ParenthesizedExpression') n++; for (const k in x) if (k !== 'range') walk(x[k]); } };
    walk(oxcProgram('m.js', GAME_JS, { lang: 'js', sourceType: 'module', ...opts }));
    return n;
  };
  console.log("  undefined['0'] = eslint-scope / scope-manager read node.range[0] (oxc emits `range` only with range:true);");
  console.log("  undefined['forEach'] = scope-manager reads param.decorators, absent from oxc's astType:'js' AST.");
  console.log(`  ParenthesizedExpression nodes in the synthetic JS: ${count({})} with default preserveParens:true, ${count({ preserveParens: false })} with false` +
    ` (acorn/meriyah emit none); oxc never wraps assignment targets, so \`(score) += 1\` is a plain Identifier either way.`);
  console.log('');
}

// --- table 5: combined parse+scope per 5 KB
console.log('## 5. Combined parse + scope cost per 5 KB module (µs; corpus-average scaled to 5 KB, and measured on the synthetic module)');
table(['parser + analyzer', 'sync', 'TS', 'corpus/5KB', 'synth JS', 'synth TS', 'correct JS', 'correct TS'], combos.map((c, ci) => {
  const corp = (parseTotals.get(c.parser.id) + scopeTotals.get(ci)) / corpusBytes * 5120;
  const js = pMed(c.parser.id, synthJs) + sMed(ci, synthJs);
  const ts = c.ts ? pMed(c.parser.id, synthTs) + sMed(ci, synthTs) : NaN;
  return [`${c.parser.label} + ${c.analyzer.label}`, 'yes', c.ts ? 'yes' : 'no', fmt(corp), fmt(js), c.ts ? fmt(ts) : 'n/a',
    verdicts.get(`${ci}|js`) ?? '-', c.ts ? verdicts.get(`${ci}|ts`) ?? '-' : 'n/a'];
}), 1);
if (esml) {
  const esmlTotal = parseTotals.get('esml');
  console.log(`es-module-lexer (imports only, no AST): corpus ${fmt(esmlTotal)} µs = ${fmt(esmlTotal / corpusBytes * 5120)} µs/5KB; ` +
    `synthetic JS ${fmt(pMed('esml', synthJs))} µs, TS ${parseErr.has(`esml|${synthTs.name}`) ? 'cannot' : fmt(pMed('esml', synthTs)) + ' µs'}`);
  try {
    const [imps] = esml.parse(GAME_TS);
    console.log(`  es-module-lexer on the TS module: ${imps.map((i) => (i.specifier ?? i.n) + (i.typeOnly ? ' (typeOnly)' : '')).join(', ')}`);
  } catch (e) { console.log(`  es-module-lexer on the TS module: ${shortErr(e)}`); }
}
if (oxc) {
  const r = oxc.parseSync('m.js', GAME_JS, { lang: 'js', sourceType: 'module' });
  console.log(`oxc-parser also returns a module record (r.module: ${r.module.staticImports.length} static imports, ` +
    `${r.module.staticExports.length} exports in the synthetic JS) without materialising the AST.`);
}
console.log('');

// --- table 6: cold start in a fresh process
const COLD_SPAWNS = 3;
console.log(`## 6. Cold start in a fresh \`node\` process (ms, median of ${COLD_SPAWNS} spawns): import packages, then first and second`);
console.log('   parse+scope of the synthetic JS module, then first pass over the TS module (matters for the first reload after idle)');
const coldRows = [];
for (const [id, cfg] of Object.entries(COLD)) {
  if (cfg.pkgs.some((p) => !mods[p])) { coldRows.push([id, 'not installed', '', '', '']); continue; }
  const runs = [];
  let err = null;
  for (let i = 0; i < COLD_SPAWNS; i++) {
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--cold', id], { encoding: 'utf8', timeout: 20000 });
    try { runs.push(JSON.parse(r.stdout.trim().split('\n').pop())); } catch {
      const lines = (r.stderr || r.error?.message || 'failed').split('\n').filter(Boolean);
      err = lines.find((l) => /Error/.test(l)) ?? lines[0];
      break;
    }
  }
  if (err) { coldRows.push([id, `error: ${err.slice(0, 60)}`, '', '', '']); continue; }
  const med = (k) => median(runs.map((x) => x[k]).filter((x) => x != null));
  coldRows.push([id, fmt(med('importMs'), 1), fmt(med('firstMs'), 2), fmt(med('secondMs'), 2), cfg.ts ? fmt(med('tsFirstMs'), 2) : 'n/a']);
}
table(['combination', 'import ms', '1st JS ms', '2nd JS ms', '1st TS ms'], coldRows);
console.log('');
console.log(`total run time ${(Number(now() - t0) / 1e9).toFixed(1)} s (sink ${sink & 1})`);
