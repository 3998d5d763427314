import { world } from './world.js';
import { stepProjectiles } from './combat.js';
import { think } from './bots.js';

export const TICK_HZ = 30;

/** Time spent in tick() (the bench compares it with plain Node). */
export const tickStats = { count: 0, totalMs: 0 };

/** One step of the simulation: bots think, everyone moves and fires, projectiles fly and hit. */
export function tick() {
  const started = performance.now();
  world.tick++;
  for (const player of world.players.values()) {
    if (!player.alive) {
      if (player.respawnAt <= world.tick) player.respawn();
      continue;
    }
    if (player.bot) think(player, world);
    player.move();
    world.projectiles.push(...player.fire(() => world.nextId++));
  }
  stepProjectiles(world);
  tickStats.count++;
  tickStats.totalMs += performance.now() - started;
}

/** What every client receives each tick. */
export function snapshot() {
  return {
    type: 'state',
    tick: world.tick,
    players: [...world.players.values()].map((player) => player.view()),
    projectiles: world.projectiles.map(({ id, x, y, weapon }) => ({ id, x: Math.round(x), y: Math.round(y), weapon })),
  };
}
