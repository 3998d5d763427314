// @hot replace-data: evaluated again on every reload, even unchanged. Nobody keeps a
// reference to it (bots.js reads it through the import each time), so that is safe; see
// `hot check`, which would flag it if anyone held the old array.
export const BOT_NAMES = ['ada', 'grace', 'linus', 'barbara', 'ken', 'margaret'];
