// One compose project of docker-compose.yml for `npm run test:containers`: its own project name,
// secrets and published ports, so it never meets another stack on this machine.
import { join } from 'node:path';
import type { Engine } from './engine';
import { run, type RunResult } from './exec';

const ROOT = join(__dirname, '..', '..');

export interface ContainerState {
  service: string;
  name: string;
  /** running, exited, … */
  state: string;
  /** healthy, starting, unhealthy, or none. */
  health: string;
}

export class ComposeProject {
  constructor(
    readonly engine: Engine,
    readonly name: string,
    /** Variables docker-compose.yml interpolates (secrets, ports). */
    private readonly variables: Record<string, string>,
  ) {}

  compose(args: string[], timeoutMs = 600_000): Promise<RunResult> {
    const [cmd, ...lead] = this.engine.compose;
    return run(
      cmd!,
      [...lead, '--project-name', this.name, '--file', join(ROOT, 'docker-compose.yml'), ...args],
      {
        cwd: ROOT,
        env: { ...this.engine.env, ...this.variables },
        timeoutMs,
      },
    );
  }

  /** The project's containers, as the engine reports them. */
  async containers(): Promise<ContainerState[]> {
    const ps = await run(
      this.engine.cli,
      [
        'ps',
        '--all',
        '--filter',
        `label=com.docker.compose.project=${this.name}`,
        '--format',
        '{{.Names}}\t{{.State}}\t{{.Status}}\t{{.Labels}}',
      ],
      { env: this.engine.env },
    );
    return ps.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [name = '', state = '', status = '', labels = ''] = line.split('\t');
        const service = /com\.docker\.compose\.service[=:]([\w-]+)/.exec(labels)?.[1] ?? name;
        const health =
          /\((healthy|starting|unhealthy|health: starting)\)/.exec(status)?.[1] ?? 'none';
        return {
          service,
          name,
          state: state.toLowerCase(),
          health: health.replace('health: ', ''),
        };
      });
  }

  /** Waits until every one of `services` runs and reports healthy; throws on an exit or timeout. */
  async waitHealthy(services: string[], timeoutMs = 600_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const all = await this.containers();
      const missing = services.filter((s) => !all.some((c) => c.service === s));
      const notHealthy = all.filter((c) => services.includes(c.service) && c.health !== 'healthy');
      if (missing.length === 0 && notHealthy.length === 0) return;
      const exited = all.filter((c) => /exited|dead/.test(c.state) && services.includes(c.service));
      if (exited.length || Date.now() > deadline) {
        const waiting = [
          ...missing.map((s) => `${s} (no container)`),
          ...notHealthy.map((c) => `${c.service} (${c.state}, ${c.health})`),
        ];
        throw new Error(`Not healthy: ${waiting.join(', ')}`);
      }
      await new Promise((r) => setTimeout(r, 2000));
    }
  }

  /** When each of the project's containers last started, by service. */
  async startedAt(): Promise<Map<string, string>> {
    const started = new Map<string, string>();
    for (const c of await this.containers()) {
      const out = await run(
        this.engine.cli,
        ['inspect', '--format', '{{.State.StartedAt}}', c.name],
        {
          env: this.engine.env,
        },
      );
      started.set(c.service, out.stdout.trim());
    }
    return started;
  }

  /** Containers, networks and volumes of the project still on the engine (after `down`). */
  async leftovers(): Promise<string[]> {
    const label = `label=com.docker.compose.project=${this.name}`;
    const list = async (kind: string) =>
      (
        await run(this.engine.cli, [kind, 'ls', '--filter', label, '--format', '{{.Name}}'], {
          env: this.engine.env,
        })
      ).stdout
        .split('\n')
        .filter(Boolean)
        .map((name) => `${kind} ${name}`);
    return [
      ...(await this.containers()).map((c) => `container ${c.name}`),
      ...(await list('network')),
      ...(await list('volume')),
    ];
  }

  /** The last lines each container logged, for a failure report. */
  async logs(lines = 40): Promise<string> {
    const out = await this.compose(['logs', '--no-color', '--tail', String(lines)], 120_000).catch(
      (e: Error) => ({ stdout: e.message }),
    );
    return out.stdout;
  }
}
