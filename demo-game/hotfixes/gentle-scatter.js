// A hotfix, applied while the arena runs: `npx hot hotfix demo-game/hotfixes/gentle-scatter.js`,
// undone with `npx hot rollback`. It patches a method of a live class and a data value.
/** @param {import('@hot/loader/runtime').Hotfix} hot */
export default function (hot) {
  const weapons = hot.module('../weapons.js');
  weapons.set('WEAPONS', {
    ...weapons.get('WEAPONS'),
    scatter: { damage: 3, speed: 7, cooldown: 16, range: 30, color: '#ef476f', pellets: 3 },
  });
  hot.module('../player.js').method('Player', 'respawn', function () {
    this.x = 480;
    this.y = 300;
    this.hp = 100;
  });
}
