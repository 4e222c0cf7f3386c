/** Settings the static server hands the page at run time (see serve.ts, `/config.json`). */
export interface RuntimeConfig {
  /** The router's GraphQL URL, absolute or relative to this page. */
  graphqlUrl: string;
  /** The same endpoint for graphql-ws (ws: or wss:). */
  wsUrl: string;
}

export function resolveEndpoints(graphqlUrl: string, base: string): RuntimeConfig {
  const http = new URL(graphqlUrl, base);
  const ws = new URL(http.href);
  ws.protocol = http.protocol === 'https:' ? 'wss:' : 'ws:';
  return { graphqlUrl: http.href, wsUrl: ws.href };
}

export async function loadRuntimeConfig(): Promise<RuntimeConfig> {
  let graphqlUrl = '/graphql';
  try {
    const response = await fetch('/config.json', { cache: 'no-store' });
    if (response.ok) {
      const body = (await response.json()) as { graphqlUrl?: unknown };
      if (typeof body.graphqlUrl === 'string' && body.graphqlUrl) graphqlUrl = body.graphqlUrl;
    }
  } catch {
    // The Vite dev server has no /config.json: it proxies /graphql to the router instead.
  }
  return resolveEndpoints(graphqlUrl, window.location.href);
}
