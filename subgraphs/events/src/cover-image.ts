import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import sharp from 'sharp';
import type { DataSource, EntityManager } from 'typeorm';
import { MAX_EVENT_IMAGE_BYTES, badInput, rows, type Route } from '@ko/platform';

/** Where covers are served, on this service and through the router's origin. */
export const IMAGE_PATH = '/images/events/';
/** Covers are re-encoded to fit in this box (never enlarged). */
const MAX_SIDE = 1600;
/** A decompression bomb (tiny file, huge picture) is refused before it is decoded. */
const MAX_PIXELS = 40_000_000;

export interface Cover {
  hash: string;
  bytes: Buffer;
  width: number;
  height: number;
}

/** What the first bytes say a file is: only the three formats covers may be. */
export function sniffImage(bytes: Buffer): 'jpeg' | 'png' | 'webp' | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff)
    return 'jpeg';
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return 'png';
  if (
    bytes.length >= 12 &&
    bytes.toString('latin1', 0, 4) === 'RIFF' &&
    bytes.toString('latin1', 8, 12) === 'WEBP'
  )
    return 'webp';
  return null;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Checks an upload by its bytes (JPEG, PNG or WebP, at most 5 MB) and re-encodes it with sharp:
 * turned upright, fitted in 1600×1600, as WebP without metadata. BAD_USER_INPUT for anything
 * else, naming what is wrong.
 */
export async function prepareCover(imageBase64: string): Promise<Cover> {
  // A data URL from a browser's FileReader is fine too.
  const text = imageBase64.replace(/^data:[^,]*;base64,/, '').replace(/\s+/g, '');
  if (!text || !BASE64.test(text))
    throw badInput('The image must be sent as base64.', { field: 'imageBase64' });
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length > MAX_EVENT_IMAGE_BYTES)
    throw badInput(
      `The image is ${(bytes.length / 1024 / 1024).toFixed(1)} MB; covers may be at most ${MAX_EVENT_IMAGE_BYTES / 1024 / 1024} MB.`,
      { field: 'imageBase64', maxBytes: MAX_EVENT_IMAGE_BYTES },
    );
  const format = sniffImage(bytes);
  if (!format)
    throw badInput('This file is not an image: a cover must be a JPEG, PNG or WebP picture.', {
      field: 'imageBase64',
    });
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: MAX_PIXELS, failOn: 'error' })
      .rotate()
      .resize({ width: MAX_SIDE, height: MAX_SIDE, fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 82 })
      .toBuffer({ resolveWithObject: true });
    return {
      hash: createHash('sha256').update(data).digest('hex').slice(0, 32),
      bytes: data,
      width: info.width,
      height: info.height,
    };
  } catch {
    throw badInput(
      `This ${format.toUpperCase()} file could not be read (damaged, or too large in pixels); try another picture.`,
      { field: 'imageBase64' },
    );
  }
}

/** Stores a cover under its hash; the same picture twice is stored once. */
export async function storeCover(manager: EntityManager, cover: Cover): Promise<void> {
  await manager.query(
    `INSERT INTO event_images (hash, content_type, bytes, width, height)
     VALUES ($1, 'image/webp', $2, $3, $4) ON CONFLICT (hash) DO NOTHING`,
    [cover.hash, cover.bytes, cover.width, cover.height],
  );
}

export const imageUrl = (hash: string | null): string | null =>
  hash ? `${IMAGE_PATH}${hash}.webp` : null;

/**
 * GET /images/events/<hash>.webp: the bytes never change for a URL, so they are cached for a
 * year as immutable, with the hash as ETag for revalidation.
 */
export function coverRoute(db: DataSource): Route {
  return async (req: IncomingMessage, res: ServerResponse) => {
    const match = /^\/images\/events\/([0-9a-f]{32})\.webp$/.exec((req.url ?? '').split('?')[0]!);
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !match) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('No such image');
      return;
    }
    const hash = match[1]!;
    const etag = `"${hash}"`;
    const headers = {
      etag,
      'cache-control': 'public, max-age=31536000, immutable',
      'x-content-type-options': 'nosniff',
    };
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    const [image] = await rows<{ bytes: Buffer; content_type: string }>(
      db.manager,
      'SELECT bytes, content_type FROM event_images WHERE hash = $1',
      [hash],
    );
    if (!image) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('No such image');
      return;
    }
    res.writeHead(200, {
      ...headers,
      'content-type': image.content_type,
      'content-length': image.bytes.length,
    });
    res.end(req.method === 'HEAD' ? undefined : image.bytes);
  };
}
