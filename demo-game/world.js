// The arena's state: players, bots, projectiles, scores. It survives every reload, edited or
// not: the pragma below keeps every binding of this file (README, "Data rules").
// @hot keep-data

export const ARENA = { width: 960, height: 600 };

export const world = {
  /** id -> Player (people and bots alike). */
  players: new Map(),
  /** Projectiles in flight: { id, owner, x, y, vx, vy, ttl, weapon }. */
  projectiles: [],
  tick: 0,
  nextId: 1,
};

/** A free spot away from the walls. */
export function spawnPoint() {
  return { x: 60 + Math.random() * (ARENA.width - 120), y: 60 + Math.random() * (ARENA.height - 120) };
}
