import { ARENA, spawnPoint } from './world.js';
import { WEAPONS } from './weapons.js';

export const MAX_HP = 100;

// A class: edit a method and save; every player already in the arena runs the new code
// on the next tick (instances made before the reload see the new methods).
export class Player {
  constructor(id, name, { bot = false } = {}) {
    const { x, y } = spawnPoint();
    this.id = id;
    this.name = name;
    this.bot = bot;
    this.x = x;
    this.y = y;
    this.angle = 0;
    this.hp = MAX_HP;
    this.score = 0;
    this.weapon = 'blaster';
    this.cooldown = 0;
    this.input = { up: false, down: false, left: false, right: false, fire: false, angle: 0 };
  }

  get alive() {
    return this.hp > 0;
  }

  move() {
    const speed = 4;
    const { input } = this;
    const dx = (input.right ? 1 : 0) - (input.left ? 1 : 0);
    const dy = (input.down ? 1 : 0) - (input.up ? 1 : 0);
    const length = Math.hypot(dx, dy) || 1;
    this.x = Math.max(12, Math.min(ARENA.width - 12, this.x + (dx / length) * speed));
    this.y = Math.max(12, Math.min(ARENA.height - 12, this.y + (dy / length) * speed));
    this.angle = input.angle;
    if (this.cooldown > 0) this.cooldown--;
  }

  /** The projectiles of one shot, or none while the weapon cools down. */
  fire(nextId) {
    if (!this.input.fire || this.cooldown > 0 || !this.alive) return [];
    const weapon = WEAPONS[this.weapon];
    this.cooldown = weapon.cooldown;
    const pellets = weapon.pellets ?? 1;
    const shots = [];
    for (let i = 0; i < pellets; i++) {
      const angle = this.angle + (i - (pellets - 1) / 2) * 0.15;
      shots.push({ id: nextId(), owner: this.id, x: this.x, y: this.y, vx: Math.cos(angle) * weapon.speed, vy: Math.sin(angle) * weapon.speed, ttl: weapon.range, weapon: this.weapon });
    }
    return shots;
  }

  /** Takes a hit; returns true when it was the last one. */
  damage(amount) {
    // The planted bug `npm run demo:tour` fixes: every hit counts twice.
    this.hp = Math.max(0, this.hp - amount * 2);
    return this.hp === 0;
  }

  respawn() {
    Object.assign(this, spawnPoint());
    this.hp = MAX_HP;
  }

  /** What clients see. */
  view() {
    return { id: this.id, name: this.name, bot: this.bot, x: Math.round(this.x), y: Math.round(this.y), angle: +this.angle.toFixed(2), hp: this.hp, score: this.score };
  }
}
