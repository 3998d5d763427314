import { BOT_NAMES } from './names.js';
import { Player } from './player.js';

/** Bots keep the arena alive with nobody connected. */
export function addBots(world, count) {
  for (let i = 0; i < count; i++) {
    const id = world.nextId++;
    world.players.set(id, new Player(id, `${BOT_NAMES[i % BOT_NAMES.length]} (bot)`, { bot: true }));
  }
}

/** A bot's input for this tick: wander, and shoot at the nearest player in range. */
export function think(bot, world) {
  const input = bot.input;
  if (world.tick % 30 === bot.id % 30) {
    input.up = Math.random() < 0.4;
    input.down = !input.up && Math.random() < 0.5;
    input.left = Math.random() < 0.4;
    input.right = !input.left && Math.random() < 0.5;
  }
  let nearest = null;
  let best = 260;
  for (const other of world.players.values()) {
    if (other === bot || !other.alive) continue;
    const distance = Math.hypot(other.x - bot.x, other.y - bot.y);
    if (distance < best) {
      best = distance;
      nearest = other;
    }
  }
  input.fire = nearest !== null;
  if (nearest) input.angle = Math.atan2(nearest.y - bot.y, nearest.x - bot.x);
}
