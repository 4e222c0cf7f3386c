import {
  Counter,
  Gauge,
  Histogram,
  Registry as MetricsRegistry,
  collectDefaultMetrics,
} from 'prom-client';

/** The router's Prometheus metrics, served at /metrics. */
export function createMetrics() {
  const registry = new MetricsRegistry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new Counter({
      name: 'router_requests_total',
      help: 'GraphQL requests received by the router',
      labelNames: ['operation_type', 'outcome'] as const,
      registers: [registry],
    }),
    requestDuration: new Histogram({
      name: 'router_request_duration_seconds',
      help: 'Time to answer a GraphQL request',
      labelNames: ['operation_type'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    subgraphRequests: new Counter({
      name: 'router_subgraph_requests_total',
      help: 'Requests the router sent to subgraph instances',
      labelNames: ['subgraph', 'instance', 'outcome'] as const,
      registers: [registry],
    }),
    subgraphDuration: new Histogram({
      name: 'router_subgraph_request_duration_seconds',
      help: 'Time a subgraph instance took to answer',
      labelNames: ['subgraph'] as const,
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    subgraphRequestsShared: new Counter({
      name: 'router_subgraph_requests_shared_total',
      help: 'Subgraph queries not sent because an identical one was in flight (its answer was shared)',
      labelNames: ['subgraph'] as const,
      registers: [registry],
    }),
    operationsShed: new Counter({
      name: 'router_operations_shed_total',
      help: 'Operations refused because the router was overloaded (shedding-operations.ts)',
      registers: [registry],
    }),
    yieldingWaiting: new Gauge({
      name: 'router_yielding_operations_waiting',
      help: 'Operations of YIELDING_FIELDS (joining a waiting room) waiting for their turn',
      registers: [registry],
    }),
    instanceUp: new Gauge({
      name: 'router_instance_up',
      help: '1 when the instance is in rotation, 0 when not',
      labelNames: ['service', 'instance'] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
