/**
 * Reads a PDF back the way a scanner app would see it, without rendering: per page, the text
 * drawn by its content stream and the image XObjects it paints, decoded to RGBA pixels so
 * jsQR can read the QR codes out of the PDF itself.
 */
import zlib from 'node:zlib';
import {
  PDFArray,
  PDFDict,
  PDFDocument,
  PDFName,
  PDFNumber,
  PDFObject,
  PDFRawStream,
} from 'pdf-lib';

export interface PdfImage {
  name: string;
  width: number;
  height: number;
  /** RGBA, row-major, alpha 255. */
  rgba: Uint8ClampedArray;
}

export interface PdfPage {
  text: string;
  images: PdfImage[];
}

function streamBytes(stream: PDFRawStream): Buffer {
  const filter = stream.dict.get(PDFName.of('Filter'));
  const data = Buffer.from(stream.contents);
  if (filter === undefined) return data;
  if (filter === PDFName.of('FlateDecode')) return zlib.inflateSync(data);
  throw new Error(`unsupported filter ${String(filter)}`);
}

/** Undoes the PNG row filters (`/DecodeParms << /Predictor 10..15 >>`). */
function unpredict(data: Buffer, rowBytes: number, bpp: number): Buffer {
  const rows = data.length / (rowBytes + 1);
  const out = Buffer.alloc(rows * rowBytes);
  for (let r = 0; r < rows; r++) {
    const type = data[r * (rowBytes + 1)]!;
    const src = r * (rowBytes + 1) + 1;
    const dst = r * rowBytes;
    for (let i = 0; i < rowBytes; i++) {
      const x = data[src + i]!;
      const a = i >= bpp ? out[dst + i - bpp]! : 0;
      const b = r > 0 ? out[dst - rowBytes + i]! : 0;
      const c = r > 0 && i >= bpp ? out[dst - rowBytes + i - bpp]! : 0;
      let v: number;
      switch (type) {
        case 0:
          v = x;
          break;
        case 1:
          v = x + a;
          break;
        case 2:
          v = x + b;
          break;
        case 3:
          v = x + ((a + b) >> 1);
          break;
        case 4: {
          const p = a + b - c;
          const pa = Math.abs(p - a),
            pb = Math.abs(p - b),
            pc = Math.abs(p - c);
          v = x + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
          break;
        }
        default:
          throw new Error(`bad PNG filter type ${type}`);
      }
      out[dst + i] = v & 0xff;
    }
  }
  return out;
}

function decodeImage(name: string, stream: PDFRawStream): PdfImage {
  const dict = stream.dict;
  const width = dict.lookup(PDFName.of('Width'), PDFNumber).asNumber();
  const height = dict.lookup(PDFName.of('Height'), PDFNumber).asNumber();
  const bits = dict.lookup(PDFName.of('BitsPerComponent'), PDFNumber).asNumber();
  if (bits !== 8) throw new Error(`unsupported BitsPerComponent ${bits}`);
  const cs = dict.get(PDFName.of('ColorSpace'));
  const channels = cs === PDFName.of('DeviceRGB') ? 3 : cs === PDFName.of('DeviceGray') ? 1 : 0;
  if (!channels) throw new Error(`unsupported ColorSpace ${String(cs)}`);
  let pixels = streamBytes(stream);
  const parms = dict.lookupMaybe(PDFName.of('DecodeParms'), PDFDict);
  const predictor = parms?.lookupMaybe(PDFName.of('Predictor'), PDFNumber)?.asNumber() ?? 1;
  if (predictor >= 10) pixels = unpredict(pixels, width * channels, channels);
  const rgba = new Uint8ClampedArray(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const src = i * channels;
    rgba[i * 4] = pixels[src]!;
    rgba[i * 4 + 1] = pixels[src + (channels === 3 ? 1 : 0)]!;
    rgba[i * 4 + 2] = pixels[src + (channels === 3 ? 2 : 0)]!;
    rgba[i * 4 + 3] = 255;
  }
  return { name, width, height, rgba };
}

// The standard fonts draw WinAnsi (Windows-1252) codes. Node 20's TextDecoder decodes
// 'windows-1252' as plain Latin-1, so 0x80-0x9F are mapped here.
const CP1252_80_9F = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';
const cp1252 = {
  decode: (bytes: Buffer): string =>
    [...bytes]
      .map((b) => (b >= 0x80 && b <= 0x9f ? CP1252_80_9F[b - 0x80]! : String.fromCharCode(b)))
      .join(''),
};

/** The strings of `[...] TJ` and `(...)`/`<...> Tj` operators, one line per text operator. */
function extractText(content: string): string {
  const lines: string[] = [];
  const op = /\[((?:[^\]\\]|\\.)*)\]\s*TJ|(<[0-9a-fA-F]*>)\s*Tj/g;
  for (let m = op.exec(content); m; m = op.exec(content)) {
    const body = m[1] ?? m[2]!;
    let line = '';
    for (const hex of body.match(/<[0-9a-fA-F]*>/g) ?? []) {
      line += cp1252.decode(Buffer.from(hex.slice(1, -1), 'hex'));
    }
    lines.push(line);
  }
  return lines.join('\n');
}

function rawStream(pdf: PDFDocument, ref: PDFObject | undefined): PDFRawStream {
  const obj = pdf.context.lookup(ref);
  if (!(obj instanceof PDFRawStream)) throw new Error(`expected a stream, got ${String(obj)}`);
  return obj;
}

export async function inspectPdf(bytes: Uint8Array): Promise<PdfPage[]> {
  const pdf = await PDFDocument.load(bytes);
  return pdf.getPages().map((page) => {
    const contents = pdf.context.lookup(page.node.get(PDFName.of('Contents')));
    const streams =
      contents instanceof PDFArray
        ? contents.asArray().map((ref) => rawStream(pdf, ref))
        : [rawStream(pdf, contents)];
    const text = extractText(streams.map((s) => streamBytes(s).toString('latin1')).join('\n'));
    const images: PdfImage[] = [];
    const xobjects = page.node.Resources()?.lookupMaybe(PDFName.of('XObject'), PDFDict);
    for (const [key, value] of xobjects?.entries() ?? []) {
      const stream = rawStream(pdf, value);
      if (stream.dict.get(PDFName.of('Subtype')) === PDFName.of('Image'))
        images.push(decodeImage(key.asString(), stream));
    }
    return { text, images };
  });
}
