import { ARENA } from './world.js';
import { WEAPONS } from './weapons.js';

const HIT_RADIUS = 14;

// Functions saved in a table: the tick calls `handlers.hit(...)`, a reference taken at the
// first load. Edit `hit` and save: the saved reference runs the new code.
export const handlers = { hit, kill };

/** Moves every projectile one tick and applies its hits. */
export function stepProjectiles(world) {
  const kept = [];
  for (const projectile of world.projectiles) {
    projectile.x += projectile.vx;
    projectile.y += projectile.vy;
    projectile.ttl--;
    if (projectile.ttl <= 0 || projectile.x < 0 || projectile.y < 0 || projectile.x > ARENA.width || projectile.y > ARENA.height) continue;
    const target = [...world.players.values()].find((p) => p.id !== projectile.owner && p.alive && Math.hypot(p.x - projectile.x, p.y - projectile.y) < HIT_RADIUS);
    if (target) handlers.hit(world, projectile, target);
    else kept.push(projectile);
  }
  world.projectiles = kept;
}

export function hit(world, projectile, target) {
  const killed = target.damage(WEAPONS[projectile.weapon].damage);
  if (killed) handlers.kill(world, world.players.get(projectile.owner), target);
}

export function kill(world, killer, victim) {
  if (killer) killer.score++;
  victim.respawnAt = world.tick + 45;
}
