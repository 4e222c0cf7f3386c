import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useState,
  type ReactNode,
} from 'react';
import { Provider, useQuery } from 'urql';
import { graphql } from '../gql';
import type { MeQuery } from '../gql/graphql';
import type { RuntimeConfig } from '../config';
import { createGraphQLConnection } from './client';

const TOKEN_KEY = 'ko.token';

export type Viewer = NonNullable<MeQuery['me']>;

interface Session {
  token: string | null;
  /** The signed-in user; null when signed out; undefined while it loads. */
  viewer: Viewer | null | undefined;
  signIn(token: string): void;
  signOut(): void;
  /** Counts live-connection recoveries: pages showing live data re-read when it changes. */
  reconnects: number;
  /** The router's origin: paths it serves besides GraphQL (cover images) are on it. */
  apiOrigin: string;
}

const SessionContext = createContext<Session | null>(null);

export const MeDocument = graphql(`
  query Me {
    me {
      id
      name
      email
      emailVerified
      role
    }
  }
`);

function readToken(): string | null {
  try {
    return window.localStorage.getItem(TOKEN_KEY);
  } catch {
    return null; // storage disabled: the session lasts until reload
  }
}

function writeToken(token: string | null): void {
  try {
    if (token) window.localStorage.setItem(TOKEN_KEY, token);
    else window.localStorage.removeItem(TOKEN_KEY);
  } catch {
    // see readToken
  }
}

export function SessionProvider({
  config,
  children,
}: {
  config: RuntimeConfig;
  children: ReactNode;
}) {
  const [token, setToken] = useState<string | null>(readToken);
  const [reconnects, setReconnects] = useState(0);
  const connection = useMemo(
    () => createGraphQLConnection(config, token, () => setReconnects((n) => n + 1)),
    [config, token],
  );
  useEffect(() => () => connection.dispose(), [connection]);

  const signIn = useCallback((next: string) => {
    writeToken(next);
    setToken(next);
  }, []);
  const signOut = useCallback(() => {
    writeToken(null);
    setToken(null);
  }, []);

  // Signing in or out in another tab applies here too.
  useEffect(() => {
    const onStorage = (event: StorageEvent) => {
      if (event.key === TOKEN_KEY) setToken(event.newValue);
    };
    window.addEventListener('storage', onStorage);
    return () => window.removeEventListener('storage', onStorage);
  }, []);

  return (
    <Provider value={connection.client}>
      <ViewerLoader
        token={token}
        signIn={signIn}
        signOut={signOut}
        reconnects={reconnects}
        apiOrigin={new URL(config.graphqlUrl).origin}
      >
        {children}
      </ViewerLoader>
    </Provider>
  );
}

function ViewerLoader({
  token,
  signIn,
  signOut,
  reconnects,
  apiOrigin,
  children,
}: Omit<Session, 'viewer'> & { children: ReactNode }) {
  const [{ data, error, fetching }] = useQuery({ query: MeDocument, pause: !token });
  const viewer = !token ? null : fetching || (!data && !error) ? undefined : (data?.me ?? null);
  // A remembered token that no longer signs anyone in (expired, keys rotated) is dropped.
  useEffect(() => {
    if (token && !fetching && data && data.me === null) signOut();
  }, [token, fetching, data, signOut]);
  const value = useMemo(
    () => ({ token, viewer, signIn, signOut, reconnects, apiOrigin }),
    [token, viewer, signIn, signOut, reconnects, apiOrigin],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside SessionProvider');
  return session;
}
