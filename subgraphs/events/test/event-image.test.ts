import { randomBytes, randomUUID } from 'node:crypto';
import sharp from 'sharp';
import {
  errorCodes,
  graphql,
  inDays,
  RouterClient,
  startStack,
  testInfrastructure,
  type Stack,
} from '@ko/platform/testing';

// setEventImage through the router: real JPEG and PNG files (made with sharp) are re-encoded
// and served with cache headers from the router's origin; a text file named .png, an oversized
// file and another organizer are refused; the router's small body limit holds for the rest.
let stack: Stack;
let origin: string;
let client: RouterClient;
let organizer: string;
let otherOrganizer: string;

const SET_IMAGE = `mutation SetImage($id: ID!, $image: String!) {
  setEventImage(eventId: $id, imageBase64: $image) { id imageUrl }
}`;

const publishedEvent = async (token: string) =>
  (
    await client.event(token, [], {
      title: 'Poster night',
      description: 'With a cover.',
      category: 'Art',
      venue: 'The Gallery',
      city: 'Braga',
      startsAt: inDays(30),
    })
  ).id;

const gradient = (width: number, height: number) =>
  sharp({ create: { width, height, channels: 3, background: { r: 200, g: 60, b: 90 } } });

beforeAll(async () => {
  stack = await startStack({ ...testInfrastructure(), services: ['users', 'events', 'router'] });
  origin = new URL(stack.routerUrl).origin;
  client = new RouterClient(stack.routerUrl);
  [organizer, otherOrganizer] = await Promise.all([
    client.account('ORGANIZER', 'Organizer One'),
    client.account('ORGANIZER', 'Organizer Two'),
  ]).then((accounts) => accounts.map((a) => a.token));
});

afterAll(() => stack?.stop({ dropDatabases: true }));

describe('setEventImage', () => {
  it('re-encodes a real JPEG, and the router serves it with immutable cache headers', async () => {
    const id = await publishedEvent(organizer);
    const jpeg = await gradient(2400, 1200).jpeg({ quality: 90 }).toBuffer();
    const result = await graphql(
      stack.routerUrl,
      SET_IMAGE,
      { id, image: jpeg.toString('base64') },
      organizer,
    );
    expect(result.errors).toBeUndefined();
    const url = result.data!.setEventImage.imageUrl as string;
    expect(url).toMatch(/^\/images\/events\/[0-9a-f]{32}\.webp$/);
    // Everyone sees it on the event.
    const read = await graphql(stack.routerUrl, 'query($id: ID!) { event(id: $id) { imageUrl } }', {
      id,
    });
    expect(read.data!.event.imageUrl).toBe(url);

    const served = await fetch(`${origin}${url}`);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/webp');
    expect(served.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const etag = served.headers.get('etag');
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    const meta = await sharp(Buffer.from(await served.arrayBuffer())).metadata();
    expect(meta).toMatchObject({ format: 'webp', width: 1600, height: 800 });
    // Revalidation answers 304 without the bytes.
    const again = await fetch(`${origin}${url}`, { headers: { 'if-none-match': etag! } });
    expect(again.status).toBe(304);
    expect(await fetch(`${origin}/images/events/${'0'.repeat(32)}.webp`)).toHaveProperty(
      'status',
      404,
    );
  });

  it('takes a PNG (a data URL is fine) and gives a new image a new URL', async () => {
    const id = await publishedEvent(organizer);
    const first = await graphql(
      stack.routerUrl,
      SET_IMAGE,
      { id, image: (await gradient(300, 200).png().toBuffer()).toString('base64') },
      organizer,
    );
    expect(first.errors).toBeUndefined();
    const png = await sharp({
      create: {
        width: 320,
        height: 200,
        channels: 4,
        background: { r: 10, g: 120, b: 200, alpha: 1 },
      },
    })
      .png()
      .toBuffer();
    const second = await graphql(
      stack.routerUrl,
      SET_IMAGE,
      { id, image: `data:image/png;base64,${png.toString('base64')}` },
      organizer,
    );
    expect(second.errors).toBeUndefined();
    expect(second.data!.setEventImage.imageUrl).not.toBe(first.data!.setEventImage.imageUrl);
    const served = await fetch(`${origin}${second.data!.setEventImage.imageUrl}`);
    expect(await sharp(Buffer.from(await served.arrayBuffer())).metadata()).toMatchObject({
      format: 'webp',
      width: 320,
      height: 200,
    });
  });

  it('refuses a text file named .png and an oversized image with BAD_USER_INPUT', async () => {
    const id = await publishedEvent(organizer);
    const text = Buffer.from('not a picture, just words in a file called cover.png\n'.repeat(20));
    const asText = await graphql(
      stack.routerUrl,
      SET_IMAGE,
      { id, image: text.toString('base64') },
      organizer,
    );
    expect(errorCodes(asText)).toEqual(['BAD_USER_INPUT']);
    expect(asText.errors![0]!.message).toMatch(/not an image/);

    // Noise does not compress: a real PNG a little over 5 MB.
    const width = 1400;
    const height = 1300;
    const big = await sharp(randomBytes(width * height * 3), {
      raw: { width, height, channels: 3 },
    })
      .png({ compressionLevel: 0 })
      .toBuffer();
    expect(big.length).toBeGreaterThan(5 * 1024 * 1024);
    const oversized = await graphql(
      stack.routerUrl,
      SET_IMAGE,
      { id, image: big.toString('base64') },
      organizer,
    );
    expect(errorCodes(oversized)).toEqual(['BAD_USER_INPUT']);
    expect(oversized.errors![0]!.message).toMatch(/at most 5 MB/);
    const read = await graphql(stack.routerUrl, 'query($id: ID!) { event(id: $id) { imageUrl } }', {
      id,
    });
    expect(read.data!.event.imageUrl).toBeNull();
  });

  it("is FORBIDDEN on another organizer's event", async () => {
    const id = await publishedEvent(organizer);
    const png = await gradient(64, 64).png().toBuffer();
    const result = await graphql(
      stack.routerUrl,
      SET_IMAGE,
      { id, image: png.toString('base64') },
      otherOrganizer,
    );
    expect(errorCodes(result)).toEqual(['FORBIDDEN']);
  });

  it('keeps the router’s small body limit for every other request', async () => {
    const padding = 'x'.repeat(300 * 1024);
    const response = await fetch(stack.routerUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'query($pad: String) { categories }',
        variables: { pad: padding },
      }),
    });
    expect(response.status).toBe(413);
    // Nor may an upload carry anything else in the same request.
    const mixed = await fetch(stack.routerUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${organizer}` },
      body: JSON.stringify({
        query: `mutation($id: ID!, $image: String!) {
          setEventImage(eventId: $id, imageBase64: $image) { id }
          deleteEvent(id: $id)
        }`,
        variables: { id: randomUUID(), image: padding },
      }),
    });
    expect(mixed.status).toBe(413);
  });
});
