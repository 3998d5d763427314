// The arena's page: draws what the server sends each tick and sends the player's input.
// `window.demo` is what the browser test reads (connection opens, last state, last reload).
const canvas = document.getElementById('arena');
const context = canvas.getContext('2d');
const demo = (window.demo = { opens: 0, states: 0, state: null, reloads: [], weapons: {}, me: null });
const socket = new WebSocket(`ws://${location.host}/`);
const input = { up: false, down: false, left: false, right: false, fire: false, angle: 0 };
let me = null;

socket.addEventListener('open', () => demo.opens++);
socket.addEventListener('message', (event) => {
  const message = JSON.parse(event.data);
  if (message.type === 'welcome') {
    me = demo.me = message.id;
    demo.weapons = message.weapons;
    showModules(message.modules);
  } else if (message.type === 'state') {
    demo.state = message;
    demo.states++;
    draw(message);
  } else if (message.type === 'reload') {
    demo.reloads.push(message);
    demo.weapons = message.weapons;
    showModules(message.versions);
    toast(message);
  }
});

document.getElementById('join').addEventListener('submit', (event) => {
  event.preventDefault();
  socket.send(JSON.stringify({ type: 'join', name: document.getElementById('name').value }));
  canvas.focus();
});

const KEYS = { KeyW: 'up', ArrowUp: 'up', KeyS: 'down', ArrowDown: 'down', KeyA: 'left', ArrowLeft: 'left', KeyD: 'right', ArrowRight: 'right', Space: 'fire' };
const send = () => socket.readyState === WebSocket.OPEN && socket.send(JSON.stringify({ type: 'input', ...input }));
for (const [type, down] of [['keydown', true], ['keyup', false]]) {
  window.addEventListener(type, (event) => {
    const key = KEYS[event.code];
    if (!key || event.target.tagName === 'INPUT') return;
    event.preventDefault();
    if (input[key] !== down) {
      input[key] = down;
      send();
    }
  });
}
canvas.addEventListener('mousemove', (event) => {
  const self = demo.state?.players.find((p) => p.id === me);
  if (!self) return;
  const box = canvas.getBoundingClientRect();
  input.angle = Math.atan2(event.clientY - box.top - self.y, event.clientX - box.left - self.x);
  send();
});
canvas.addEventListener('mousedown', () => ((input.fire = true), send()));
canvas.addEventListener('mouseup', () => ((input.fire = false), send()));

function draw(state) {
  context.clearRect(0, 0, canvas.width, canvas.height);
  for (const shot of state.projectiles) {
    context.fillStyle = demo.weapons[shot.weapon]?.color ?? '#fff';
    context.beginPath();
    context.arc(shot.x, shot.y, 3, 0, Math.PI * 2);
    context.fill();
  }
  for (const player of state.players) {
    const alive = player.hp > 0;
    context.globalAlpha = alive ? 1 : 0.25;
    context.fillStyle = player.id === me ? '#34d399' : player.bot ? '#60a5fa' : '#f472b6';
    context.beginPath();
    context.arc(player.x, player.y, 12, 0, Math.PI * 2);
    context.fill();
    context.strokeStyle = '#e5e7eb';
    context.beginPath();
    context.moveTo(player.x, player.y);
    context.lineTo(player.x + Math.cos(player.angle) * 18, player.y + Math.sin(player.angle) * 18);
    context.stroke();
    context.fillStyle = '#1f2937';
    context.fillRect(player.x - 16, player.y - 22, 32, 4);
    context.fillStyle = '#f87171';
    context.fillRect(player.x - 16, player.y - 22, 32 * (player.hp / 100), 4);
    context.fillStyle = '#e5e7eb';
    context.fillText(player.name, player.x - 16, player.y + 26);
    context.globalAlpha = 1;
  }
  document.getElementById('scores').innerHTML = [...state.players].sort((a, b) => b.score - a.score).slice(0, 6).map((p) => `<li>${escape(p.name)}: ${p.score}</li>`).join('');
}

function showModules(list) {
  document.getElementById('modules').innerHTML = list.map((m) => `<li class="module">${escape(m.file)} <span>v${m.version}</span></li>`).join('');
}

function toast(report) {
  const element = document.createElement('div');
  element.className = `toast${report.ok ? '' : ' failed'}`;
  element.textContent = report.ok
    ? report.modules.map((m) => `${m.file} v${m.version}${m.replaced.length ? ` (${m.replaced.length} replaced)` : ''}`).join(', ') || `${report.op}: nothing to do`
    : `${report.op} failed: ${report.error.file ?? ''}${report.error.line ? `:${report.error.line}` : ''} ${report.error.message}`;
  const toasts = document.getElementById('toasts');
  toasts.prepend(element);
  while (toasts.children.length > 5) toasts.lastChild.remove();
}

function escape(text) {
  return String(text).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
