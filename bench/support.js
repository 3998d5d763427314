// Shared pieces of the benchmarks: a realistic 5 KB game-server module, a
// timing helper, medians and percentiles, and a work directory the loader
// treats as project code (bench/.work/<pid>/hot) next to one it leaves alone
// (bench/.work/<pid>/plain, excluded in package.json's "hot" key).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const benchDir = dirname(fileURLToPath(import.meta.url));

export function workDir() {
  const dir = join(benchDir, '.work', String(process.pid));
  mkdirSync(join(dir, 'hot'), { recursive: true });
  mkdirSync(join(dir, 'plain'), { recursive: true });
  return {
    dir,
    write(file, text) {
      const path = join(dir, file);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
      return path;
    },
    url: (file) => pathToFileURL(join(dir, file)).href,
    path: (file) => join(dir, file),
  };
}

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

export const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};

/** ns per operation of `run(n)`, median of `rounds` timed runs after one warm-up run. */
export function nsPerOp(run, n, rounds = 7) {
  run(n);
  const times = [];
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    run(n);
    times.push(Number(process.hrtime.bigint() - start) / n);
  }
  return median(times);
}

/** A ~5 KB module in the shape of a game server's combat code; `edit` changes one function body. */
export function gameModule(edit = 0) {
  const lines = [
    "import { EventEmitter } from 'node:events';",
    '',
    '// @hot keep-data',
    'export const players = new Map();',
    'export const events = new EventEmitter();',
    'export let tick = 0;',
    'export const WEAPONS = {',
  ];
  for (let i = 0; i < 24; i++) lines.push(`  weapon${i}: { damage: ${10 + i}, range: ${1 + (i % 5)}, cooldown: ${0.5 + i / 10}, name: 'Weapon number ${i}' },`);
  lines.push('};', '', 'export const BASE_HP = 100;', 'export const MAX_HP = BASE_HP * 2;', '');
  lines.push(
    'export class Player {',
    '  constructor(id, x, y) { this.id = id; this.x = x; this.y = y; this.hp = BASE_HP; this.weapon = WEAPONS.weapon0; this.kills = 0; }',
    '  get alive() { return this.hp > 0; }',
    '  move(dx, dy) { this.x += dx; this.y += dy; return this; }',
    '  damage(amount) { this.hp = Math.max(0, this.hp - amount); if (!this.alive) events.emit("death", this); return this.hp; }',
    '  heal(amount) { this.hp = Math.min(MAX_HP, this.hp + amount); return this.hp; }',
    '  distanceTo(other) { return Math.hypot(this.x - other.x, this.y - other.y); }',
    '  static spawn(id) { const p = new Player(id, Math.random() * 100, Math.random() * 100); players.set(id, p); return p; }',
    '}',
    '',
  );
  // Registrations with inline handlers, as servers write them: the statement rule and the
  // inline stand-ins are part of every reload measured.
  lines.push(
    "events.on('death', (player) => { players.delete(player.id); });",
    `events.on('spawn', (player) => { player.hp = BASE_HP + ${edit % 2}; });`,
    'export const handlers = {',
    '  move(player, dx, dy) { return player.move(dx, dy); },',
    '  hit: (attacker, target) => attack(attacker, target),',
    '};',
    '',
  );
  lines.push(`export function attack(attacker, target) {`, `  const weapon = attacker.weapon;`, `  if (attacker.distanceTo(target) > weapon.range * 10) return 0;`, `  const dealt = weapon.damage * ${1 + edit};`, `  target.damage(dealt);`, `  if (!target.alive) attacker.kills++;`, `  return dealt;`, `}`, '');
  for (let i = 0; i < 12; i++) {
    lines.push(
      `export function system${i}(dt) {`,
      `  let total = 0;`,
      `  for (const player of players.values()) { if (player.alive) { player.move(dt * ${i}, dt); total += player.hp; } }`,
      `  tick++;`,
      `  return total;`,
      `}`,
      '',
    );
  }
  return lines.join('\n');
}
