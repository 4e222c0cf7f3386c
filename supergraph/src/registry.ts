import { httpRequest } from '@ko/platform/http-client';
import type { Logger } from '@ko/platform/logger';
import type { ServiceList } from '@ko/platform/service-list';

export interface InstanceState {
  url: string;
  healthy: boolean;
  lastCheckedAt: string | null;
  lastError: string | null;
}

/** The subscriptions service is routed like a subgraph, under this name. */
export const SUBSCRIPTIONS = 'subscriptions';

const healthUrl = (url: string) => new URL('/health', url.replace(/^ws/, 'http')).toString();

/**
 * The service registry: every instance named in the service list, with its health as seen by
 * polling `/health`. An instance leaves rotation on its first failed poll or failed connect and
 * comes back on its next good poll. Instances start healthy so a fresh router serves at once.
 */
export class Registry {
  private services = new Map<string, InstanceState[]>();
  private cursor = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  onChange: (service: string, instance: InstanceState) => void = () => undefined;

  constructor(
    private readonly logger: Logger,
    private readonly options: { intervalMs: number; timeoutMs: number },
  ) {}

  /** Applies a (new) service list, keeping the known health of instances that stay. */
  load(list: ServiceList): void {
    const next = new Map<string, InstanceState[]>();
    const entries: Array<[string, string[]]> = [
      ...list.subgraphs.map((s): [string, string[]] => [s.name, s.instances]),
      ...(list.subscriptions.length
        ? [[SUBSCRIPTIONS, list.subscriptions] as [string, string[]]]
        : []),
    ];
    for (const [name, urls] of entries) {
      const known = new Map((this.services.get(name) ?? []).map((i) => [i.url, i]));
      next.set(
        name,
        urls.map(
          (url) => known.get(url) ?? { url, healthy: true, lastCheckedAt: null, lastError: null },
        ),
      );
    }
    this.services = next;
  }

  start(): void {
    const tick = () => {
      this.polling = this.pollAll().finally(() => {
        this.timer = setTimeout(tick, this.options.intervalMs);
        this.timer.unref();
      });
    };
    tick();
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    await this.polling;
  }

  /**
   * The next healthy instance, round-robin, skipping `exclude` (an instance that just failed).
   * Falls back to unhealthy ones only when none is healthy: a stale health view must not turn
   * a working service away.
   */
  pick(service: string, exclude?: InstanceState): InstanceState | undefined {
    const all = this.services.get(service) ?? [];
    const candidates = all.filter((i) => i !== exclude);
    const healthy = candidates.filter((i) => i.healthy);
    const pool = healthy.length > 0 ? healthy : candidates;
    if (pool.length === 0) return undefined;
    const n = this.cursor.get(service) ?? 0;
    this.cursor.set(service, n + 1);
    return pool[n % pool.length];
  }

  /** A request could not connect: out of rotation until a poll finds it healthy again. */
  reportFailure(service: string, instance: InstanceState, error: string): void {
    this.setHealth(service, instance, false, error);
  }

  snapshot(): Record<string, InstanceState[]> {
    return Object.fromEntries(
      [...this.services].map(([name, list]) => [name, list.map((i) => ({ ...i }))]),
    );
  }

  private async pollAll(): Promise<void> {
    await Promise.all(
      [...this.services].flatMap(([name, list]) =>
        list.map(async (instance) => {
          try {
            const response = await httpRequest(healthUrl(instance.url), {
              timeoutMs: this.options.timeoutMs,
            });
            this.setHealth(
              name,
              instance,
              response.ok,
              response.ok ? null : `health answered HTTP ${response.status}`,
            );
          } catch (error) {
            this.setHealth(
              name,
              instance,
              false,
              error instanceof Error ? error.message : String(error),
            );
          }
        }),
      ),
    );
  }

  private setHealth(
    service: string,
    instance: InstanceState,
    healthy: boolean,
    error: string | null,
  ): void {
    instance.lastCheckedAt = new Date().toISOString();
    instance.lastError = error;
    if (instance.healthy === healthy) return;
    instance.healthy = healthy;
    this.logger[healthy ? 'info' : 'warn'](
      { service, instance: instance.url, error },
      healthy ? 'instance back in rotation' : 'instance out of rotation',
    );
    this.onChange(service, instance);
  }
}
