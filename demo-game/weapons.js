// Data tables. Edit a number and save: the next shot uses it (the initializer changed, so
// the table is replaced, and every module that imports it sees the new one).
export const WEAPONS = {
  blaster: { damage: 10, speed: 9, cooldown: 8, range: 60, color: '#ffd166' },
  scatter: { damage: 6, speed: 7, cooldown: 16, range: 30, color: '#ef476f', pellets: 3 },
};
