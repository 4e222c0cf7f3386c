import { DomainError } from './errors';
import { postJson, type HttpAnswer } from './http-client';
import { readServiceList } from './service-list';

export interface GraphQLResponse<T> {
  data?: T | null;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
}

/**
 * Calls another subgraph directly, for writes that must be checked against that service's
 * current state (DESIGN.md). Instances come from the service list; each call tries the next
 * instance when one cannot be reached, and never waits longer than `timeoutMs`.
 */
export class ServiceClient {
  private next = 0;

  constructor(
    private readonly service: string,
    private readonly instances: string[],
    private readonly timeoutMs = 3_000,
  ) {
    if (instances.length === 0) throw new Error(`No instances of ${service} are configured`);
  }

  static fromServiceList(
    serviceListPath: string,
    service: string,
    timeoutMs?: number,
  ): ServiceClient {
    const entry = readServiceList(serviceListPath).subgraphs.find((s) => s.name === service);
    if (!entry) throw new Error(`${serviceListPath} lists no subgraph named "${service}"`);
    return new ServiceClient(service, entry.instances, timeoutMs);
  }

  async query<T>(
    query: string,
    variables: Record<string, unknown>,
    authorization?: string,
  ): Promise<T> {
    let lastError: unknown;
    for (let attempt = 0; attempt < this.instances.length; attempt++) {
      const url = this.instances[this.next++ % this.instances.length];
      let response: HttpAnswer;
      try {
        response = await postJson(
          url,
          { query, variables },
          { headers: authorization ? { authorization } : {}, timeoutMs: this.timeoutMs },
        );
      } catch (error) {
        lastError = error;
        continue;
      }
      const body = (await response.json().catch(() => ({}))) as GraphQLResponse<T>;
      if (body.errors?.length) {
        const [first] = body.errors;
        throw new DomainError(
          'SERVICE_UNAVAILABLE',
          `${this.service} refused the check: ${first.message}`,
          {
            upstreamCode: first.extensions?.code,
          },
        );
      }
      if (!body.data)
        throw new DomainError(
          'SERVICE_UNAVAILABLE',
          `${this.service} gave no answer (HTTP ${response.status}).`,
        );
      return body.data;
    }
    throw new DomainError(
      'SERVICE_UNAVAILABLE',
      `The ${this.service} service is unavailable; try again shortly.`,
      {
        cause: lastError instanceof Error ? lastError.message : String(lastError),
      },
    );
  }
}
