import {
  errorCodes,
  graphql,
  startStack,
  testInfrastructure,
  type Stack,
} from '@ko/platform/testing';

const REGISTER = `mutation Register($input: RegisterInput!) {
  register(input: $input) { token user { id name email role } }
}`;
const LOGIN = `mutation Login($email: String!, $password: String!) {
  login(email: $email, password: $password) { token user { id email } }
}`;

let stack: Stack;
let url: string;

beforeAll(async () => {
  stack = await startStack({ ...testInfrastructure(), services: ['users', 'events', 'router'] });
  url = stack.routerUrl;
});

afterAll(() => stack?.stop({ dropDatabases: true }));

const register = (input: Record<string, unknown>) =>
  graphql(url, REGISTER, { input: { password: 'correct horse', name: 'Ada', ...input } });

describe('accounts through the router', () => {
  it('registers, signs in and answers me', async () => {
    const registered = await register({ email: '  Ada@Example.COM ', role: 'ORGANIZER' });
    expect(registered.errors).toBeUndefined();
    const { token, user } = registered.data!.register;
    expect(user).toMatchObject({ name: 'Ada', email: 'ada@example.com', role: 'ORGANIZER' });

    const me = await graphql(url, '{ me { id name email role } }', {}, token);
    expect(me.data!.me).toEqual({
      id: user.id,
      name: 'Ada',
      email: 'ada@example.com',
      role: 'ORGANIZER',
    });

    const login = await graphql(url, LOGIN, {
      email: 'ADA@example.com',
      password: 'correct horse',
    });
    expect(login.data!.login.user.id).toBe(user.id);
    const again = await graphql(url, '{ me { id } }', {}, login.data!.login.token);
    expect(again.data!.me.id).toBe(user.id);
  });

  it('defaults to the FAN role and answers me with null when signed out', async () => {
    const { data } = await register({ email: 'fan1@example.com' });
    expect(data!.register.user.role).toBe('FAN');
    const me = await graphql(url, '{ me { id } }');
    expect(me.errors).toBeUndefined();
    expect(me.data!.me).toBeNull();
  });

  it.each([
    ['malformed email', { email: 'not-an-email' }, 'BAD_USER_INPUT', 'email'],
    [
      'short password',
      { email: 'short@example.com', password: 'seven77' },
      'BAD_USER_INPUT',
      'password',
    ],
    ['empty name', { email: 'noname@example.com', name: '   ' }, 'BAD_USER_INPUT', 'name'],
  ])('refuses a %s with %s', async (_label, input, code, field) => {
    const result = await register(input);
    expect(errorCodes(result)).toEqual([code]);
    expect(result.errors![0].extensions).toMatchObject({ field });
    expect(result.errors![0].message).not.toMatch(/internal/i);
  });

  it('refuses a duplicate email in any letter case with CONFLICT', async () => {
    await register({ email: 'dup@example.com' });
    const result = await register({ email: 'DUP@example.com' });
    expect(errorCodes(result)).toEqual(['CONFLICT']);
  });

  it('gives the same answer for a wrong password and an unknown email', async () => {
    await register({ email: 'known@example.com' });
    const wrong = await graphql(url, LOGIN, {
      email: 'known@example.com',
      password: 'not the password',
    });
    const unknown = await graphql(url, LOGIN, {
      email: 'nobody@example.com',
      password: 'not the password',
    });
    expect(errorCodes(wrong)).toEqual(['UNAUTHENTICATED']);
    expect(errorCodes(unknown)).toEqual(['UNAUTHENTICATED']);
    expect(wrong.errors![0].message).toBe(unknown.errors![0].message);
  });

  it('shows a user their own email only', async () => {
    // Organizer names are unique: the first test's organizer is already "Ada".
    const a = (
      await register({ email: 'a-owner@example.com', name: 'Ada Owner', role: 'ORGANIZER' })
    ).data!.register;
    const b = (await register({ email: 'b-viewer@example.com' })).data!.register;
    const created = await graphql(
      url,
      'mutation($i: CreateEventInput!) { createEvent(input: $i) { id } }',
      {
        i: {
          title: 'Email privacy night',
          description: '',
          category: 'Music',
          venue: 'Hall',
          city: 'Porto',
          startsAt: '2030-01-01T20:00:00Z',
        },
      },
      a.token,
    );
    const id = created.data!.createEvent.id;
    await graphql(url, 'mutation($id: ID!) { publishEvent(id: $id) { id } }', { id }, a.token);
    const seenByB = await graphql(
      url,
      'query($id: ID!) { event(id: $id) { organizer { id name email } } }',
      { id },
      b.token,
    );
    expect(seenByB.data!.event.organizer).toEqual({
      id: a.user.id,
      name: 'Ada Owner',
      email: null,
    });
    const seenByA = await graphql(
      url,
      'query($id: ID!) { event(id: $id) { organizer { email } } }',
      { id },
      a.token,
    );
    expect(seenByA.data!.event.organizer.email).toBe('a-owner@example.com');
  });

  it('refuses a forged token as UNAUTHENTICATED', async () => {
    const { token } = (await register({ email: 'forger@example.com' })).data!.register;
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, role: 'ORGANIZER' })).toString('base64url')}.${signature}`;
    const result = await graphql(url, '{ me { id } }', {}, tampered);
    expect(errorCodes(result)).toContain('UNAUTHENTICATED');
  });
});

describe('organizer names', () => {
  const organizer = (email: string, name: string) => register({ email, name, role: 'ORGANIZER' });

  it.each([
    ['the same name', 'Aurora Live'],
    ['another letter case and spacing', '  aurora   LIVE '],
    ['no space at all', 'AuroraLive'],
    ['a zero-width space inside', 'Aurora\u200bLive'],
    ['full-width letters', '\uff21\uff55\uff52\uff4f\uff52\uff41 Live'],
  ])('refuses a second organizer with %s as CONFLICT', async (_label, name) => {
    await organizer('first-aurora@example.com', 'Aurora Live');
    const second = await organizer(`second-${name.length}@example.com`, name);
    expect(errorCodes(second)).toEqual(['CONFLICT']);
    expect(second.errors![0].extensions).toMatchObject({ field: 'name' });
  });

  it('lets one of many simultaneous registrations of a name through, and fans share names freely', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        organizer(`rush-${i}@example.com`, i % 2 ? 'Harbour  Nights' : 'harbour nights'),
      ),
    );
    expect(results.filter((r) => !r.errors)).toHaveLength(1);
    expect(results.filter((r) => errorCodes(r)[0] === 'CONFLICT')).toHaveLength(7);

    const fan = await register({ email: 'harbour-fan@example.com', name: 'Harbour Nights' });
    expect(fan.errors).toBeUndefined();
  });
});

describe('text that shows nothing or hides something', () => {
  it.each([
    ['only invisible characters', '\u200b\u200d\u2060\u00ad'],
    ['a right-to-left override', 'Ada\u202Eevil'],
    ['a control character', 'Ada\u0007'],
  ])('refuses a name of %s with BAD_USER_INPUT', async (_label, name) => {
    const result = await register({
      email: `odd-${name.length}-${name.charCodeAt(3)}@example.com`,
      name,
    });
    expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
  });

  it('refuses an explicit null role as BAD_USER_INPUT, not an internal error', async () => {
    const result = await register({ email: 'null-role@example.com', role: null });
    expect(errorCodes(result)).toEqual(['BAD_USER_INPUT']);
  });
});
