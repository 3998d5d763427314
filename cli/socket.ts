/**
 * The CLI's websocket client: the handshake and the frames of RFC 6455 that talking to the
 * control endpoint needs (text messages both ways, ping, close), over node:net.
 *
 * Why not ws, which the endpoint uses: `hot reload` must answer within `node -e 0` + 30 ms,
 * and loading ws's client (with http, https, tls, zlib) costs 17-30 ms on this machine before
 * the first byte is sent. These ~150 lines cost nothing to load; tests/cli.test.js runs them
 * against the real endpoint (ws) only.
 *
 * node:crypto is not loaded either (~3 ms): the handshake key and the frame masks come from
 * /dev/urandom (control/random.ts), and the server's Sec-WebSocket-Accept (a SHA-1 of our key) is not checked.
 * That check only tells a websocket server from another HTTP server; the endpoint we reach
 * is the one the discovery file names, and anything else fails at the first frame.
 */
import type { Socket } from 'node:net';
import { randomBytes } from '../control/random.js';
const { connect } = process.getBuiltinModule('node:net');
/** Why the connection failed: `refused` (an HTTP answer instead of the upgrade) or `network`. */
export class ConnectError extends Error {
  readonly kind: 'refused' | 'network';
  readonly status?: number;
  constructor(kind: 'refused' | 'network', message: string, status?: number) {
    super(message);
    this.name = 'ConnectError';
    this.kind = kind;
    if (status !== undefined) this.status = status;
  }
}

export interface ConnectOptions {
  host: string;
  port: number;
  token: string;
  timeoutMs: number;
}

/** One open connection; messages arrive as parsed JSON. */
export class ControlSocket {
  readonly #socket: Socket;
  #buffer: Buffer = Buffer.alloc(0);
  /** Fragments of a message sent in several frames. */
  #fragments: Buffer[] = [];
  #onMessage: (message: unknown) => void = () => {};
  #onClose: (reason: string) => void = () => {};
  #closed = false;

  private constructor(socket: Socket, rest: Buffer) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => this.#read(chunk));
    socket.on('close', () => this.#end('the connection closed'));
    socket.on('error', (error) => this.#end(error.message));
    if (rest.length) queueMicrotask(() => this.#read(rest));
  }

  /** Connects and upgrades, or rejects with a ConnectError. */
  static open(options: ConnectOptions): Promise<ControlSocket> {
    return new Promise((resolve, reject) => {
      const key = randomBytes(16).toString('base64');
      const socket = connect({ host: options.host, port: options.port });
      const timer = setTimeout(() => fail(new ConnectError('network', `no answer within ${options.timeoutMs} ms`)), options.timeoutMs);
      let head = Buffer.alloc(0);
      const fail = (error: ConnectError) => {
        clearTimeout(timer);
        socket.destroy();
        reject(error);
      };
      socket.on('error', (error: NodeJS.ErrnoException) => fail(new ConnectError('network', error.code ?? error.message)));
      socket.on('connect', () => {
        socket.write(
          `GET / HTTP/1.1\r\nHost: ${options.host}:${options.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
            `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer ${options.token}\r\n\r\n`,
        );
      });
      const onData = (chunk: Buffer) => {
        head = Buffer.concat([head, chunk]);
        const end = head.indexOf('\r\n\r\n');
        if (end === -1) return;
        const lines = head.subarray(0, end).toString('latin1').split('\r\n');
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(lines[0])?.[1] ?? 0);
        const headers = new Map(lines.slice(1).map((line) => [line.slice(0, line.indexOf(':')).trim().toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
        if (status !== 101) {
          // The endpoint says why in a small JSON body; wait for it (or the close) before failing.
          const length = Number(headers.get('content-length') ?? 0);
          const body = head.subarray(end + 4);
          if (body.length < length) return;
          let reason = lines[0];
          try {
            reason = (JSON.parse(body.subarray(0, length).toString('utf8')) as { error?: string }).error ?? reason;
          } catch {
            // not ours
          }
          fail(new ConnectError('refused', `${status} ${reason}`, status));
          return;
        }
        if (headers.get('upgrade')?.toLowerCase() !== 'websocket' || !headers.has('sec-websocket-accept')) {
          fail(new ConnectError('refused', 'the server is not a websocket endpoint (no websocket upgrade in its answer)'));
          return;
        }
        clearTimeout(timer);
        socket.off('data', onData);
        socket.removeAllListeners('error');
        resolve(new ControlSocket(socket, head.subarray(end + 4)));
      };
      socket.on('data', onData);
    });
  }

  /** Sends one JSON message as a masked text frame (clients must mask). */
  send(message: unknown): void {
    this.#frame(0x1, Buffer.from(JSON.stringify(message), 'utf8'));
  }

  set onMessage(listener: (message: unknown) => void) {
    this.#onMessage = listener;
  }

  set onClose(listener: (reason: string) => void) {
    this.#onClose = listener;
  }

  close(): void {
    if (this.#closed) return;
    this.#frame(0x8, Buffer.from([0x03, 0xe8])); // 1000, normal closure
    this.#closed = true;
    this.#socket.end();
  }

  #frame(opcode: number, payload: Buffer): void {
    const length = payload.length;
    const header = length < 126 ? Buffer.alloc(2) : length < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
    header[0] = 0x80 | opcode;
    if (length < 126) header[1] = 0x80 | length;
    else if (length < 65536) {
      header[1] = 0x80 | 126;
      header.writeUInt16BE(length, 2);
    } else {
      header[1] = 0x80 | 127;
      header.writeBigUInt64BE(BigInt(length), 2);
    }
    const mask = randomBytes(4);
    const masked = Buffer.allocUnsafe(length);
    for (let i = 0; i < length; i++) masked[i] = payload[i] ^ mask[i & 3];
    this.#socket.write(Buffer.concat([header, mask, masked]));
  }

  #read(chunk: Buffer): void {
    this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, chunk]) : chunk;
    for (;;) {
      const buffer = this.#buffer;
      if (buffer.length < 2) return;
      const fin = (buffer[0] & 0x80) !== 0;
      const opcode = buffer[0] & 0x0f;
      const masked = (buffer[1] & 0x80) !== 0;
      let length = buffer[1] & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (buffer.length < 4) return;
        length = buffer.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (buffer.length < 10) return;
        length = Number(buffer.readBigUInt64BE(2));
        offset = 10;
      }
      if (masked) offset += 4; // a server never masks; tolerate it anyway
      if (buffer.length < offset + length) return;
      let payload = buffer.subarray(offset, offset + length);
      if (masked) {
        const mask = buffer.subarray(offset - 4, offset);
        payload = Buffer.from(payload.map((byte, i) => byte ^ mask[i & 3]));
      }
      this.#buffer = buffer.subarray(offset + length);
      if (opcode === 0x8) {
        const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        this.#end(`the endpoint closed the connection (${code}${payload.length > 2 ? ` ${payload.subarray(2).toString('utf8')}` : ''})`);
        return;
      }
      if (opcode === 0x9) {
        this.#frame(0xa, Buffer.from(payload));
        continue;
      }
      if (opcode === 0xa) continue;
      this.#fragments.push(Buffer.from(payload));
      if (!fin) continue;
      const text = Buffer.concat(this.#fragments).toString('utf8');
      this.#fragments = [];
      let message: unknown;
      try {
        message = JSON.parse(text);
      } catch {
        this.#end('the endpoint sent a message that is not JSON');
        return;
      }
      this.#onMessage(message);
    }
  }

  #end(reason: string): void {
    const wasOpen = !this.#closed;
    this.#closed = true;
    this.#socket.destroy();
    if (wasOpen) this.#onClose(reason);
  }
}
