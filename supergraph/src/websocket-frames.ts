/** WebSocket framing (RFC 6455) for the router's own frames inside a byte tunnel. */

const OPCODE_TEXT = 0x1;
const OPCODE_CLOSE = 0x8;
const FINAL = 0x80;

/** A final, unmasked frame of `parts` (in order) in one buffer, written once. */
function frame(opcode: number, ...parts: Buffer[]): Buffer {
  let length = 0;
  for (const part of parts) length += part.length;
  const extra = length < 126 ? 0 : length < 65_536 ? 2 : 8;
  const out = Buffer.allocUnsafe(2 + extra + length);
  out[0] = FINAL | opcode;
  if (extra === 0) out[1] = length;
  else if (extra === 2) {
    out[1] = 126;
    out.writeUInt16BE(length, 2);
  } else {
    out[1] = 127;
    out.writeBigUInt64BE(BigInt(length), 2);
  }
  let at = 2 + extra;
  for (const part of parts) at += part.copy(out, at);
  return out;
}

/** A server's final, unmasked text frame. */
export const textFrame = (text: string): Buffer => frame(OPCODE_TEXT, Buffer.from(text));

/** A text frame of UTF-8 `parts` in order: a text shared by many frames is encoded once. */
export const textFrameOf = (...parts: Buffer[]): Buffer => frame(OPCODE_TEXT, ...parts);

/** A server's close frame (the reason cut to the 123 bytes a close frame holds). */
export function closeFrame(code: number, reason: string): Buffer {
  const text = Buffer.from(reason).subarray(0, 123);
  const payload = Buffer.allocUnsafe(2 + text.length);
  payload.writeUInt16BE(code, 0);
  text.copy(payload, 2);
  return frame(OPCODE_CLOSE, payload);
}

/** The longest HTTP answer head the cursor reads before giving up on it. */
const MAX_HEAD = 16 * 1024;

/**
 * Follows what a subscriptions instance sends through a tunnel (its HTTP answer, then frames)
 * to tell when the stream stands between two frames: the only place a frame of the router's own
 * may go in. It reads frame headers only and skips payloads by their length.
 */
export class FrameCursor {
  private stage: 'head' | 'frames' | 'other' = 'head';
  private head = '';
  private header: number[] = [];
  private remaining = 0;
  /** The instance sent a close frame: nothing may follow it. */
  closed = false;

  /** The instance answered 101 and what follows is frames. */
  get upgraded(): boolean {
    return this.stage === 'frames';
  }

  get atBoundary(): boolean {
    return this.stage === 'frames' && this.remaining === 0 && this.header.length === 0;
  }

  advance(chunk: Buffer): void {
    let at = 0;
    if (this.stage === 'head') {
      const before = this.head.length;
      this.head += chunk.toString('latin1');
      const end = this.head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (this.head.length > MAX_HEAD) this.stage = 'other';
        return;
      }
      this.stage = this.head.startsWith('HTTP/1.1 101 ') ? 'frames' : 'other';
      this.head = '';
      at = end + 4 - before;
    }
    if (this.stage !== 'frames') return;
    while (at < chunk.length) {
      if (this.remaining > 0) {
        const skipped = Math.min(this.remaining, chunk.length - at);
        this.remaining -= skipped;
        at += skipped;
        continue;
      }
      this.header.push(chunk[at]!);
      at += 1;
      if (this.header.length < headerLength(this.header)) continue;
      if ((this.header[0]! & 0x0f) === OPCODE_CLOSE) this.closed = true;
      this.remaining = payloadLength(this.header);
      this.header = [];
    }
  }
}

/** A frame header's length, once its second byte is known (2 until then). */
function headerLength(header: number[]): number {
  if (header.length < 2) return 2;
  const length = header[1]! & 0x7f;
  const extra = length === 126 ? 2 : length === 127 ? 8 : 0;
  const mask = header[1]! & 0x80 ? 4 : 0;
  return 2 + extra + mask;
}

function payloadLength(header: number[]): number {
  const length = header[1]! & 0x7f;
  if (length < 126) return length;
  const bytes = header.slice(2, length === 126 ? 4 : 10);
  return bytes.reduce((total, byte) => total * 256 + byte, 0);
}
