import {
  Counter,
  type CounterConfiguration,
  collectDefaultMetrics,
  Gauge,
  type GaugeConfiguration,
  Histogram,
  type HistogramConfiguration,
  type Metric,
  Registry,
} from 'prom-client';

/** A metric's definition without `registers`: the wrapper always registers on its own registry. */
export type CounterDefinition<L extends string> = Omit<CounterConfiguration<L>, 'registers'>;
export type GaugeDefinition<L extends string> = Omit<GaugeConfiguration<L>, 'registers'>;
export type HistogramDefinition<L extends string> = Omit<HistogramConfiguration<L>, 'registers'>;

export interface MetricsRegistryOptions {
  /** Put in front of every metric name; `switchboard_` unless told otherwise. */
  prefix?: string;
  /** Collect prom-client's Node process metrics (CPU, memory, event loop lag, GC); true by default. */
  defaultMetrics?: boolean;
}

/**
 * One process's metrics. Definitions are idempotent by name: defining `sip_requests_total` twice
 * (say, once per transport instance) returns the same counter, so modules need not share handles.
 * Names are given without the prefix: `counter({ name: 'recordings_started_total' })` is exposed
 * as `switchboard_recordings_started_total`.
 */
export interface MetricsRegistry {
  /** The prom-client registry behind it (never the global one, so tests and nodes stay apart). */
  readonly registry: Registry;
  readonly prefix: string;
  counter<L extends string = string>(definition: CounterDefinition<L>): Counter<L>;
  gauge<L extends string = string>(definition: GaugeDefinition<L>): Gauge<L>;
  histogram<L extends string = string>(definition: HistogramDefinition<L>): Histogram<L>;
  /** The Prometheus text exposition of every metric. */
  metrics(): Promise<string>;
  /** The Content-Type of `metrics()`: `text/plain; version=0.0.4; charset=utf-8`. */
  readonly contentType: string;
}

type MetricKind = 'counter' | 'gauge' | 'histogram';

interface Defined {
  kind: MetricKind;
  labels: string;
  metric: Metric<string>;
}

export function createMetricsRegistry(options: MetricsRegistryOptions = {}): MetricsRegistry {
  const prefix = options.prefix ?? 'switchboard_';
  const registry = new Registry();
  const defined = new Map<string, Defined>();
  // prom-client samples event-loop lag every 10 ms by default: a timer that wakes an idle node
  // 100 times a second (and a busy one between datagrams). Every 100 ms is plenty for a gauge.
  if (options.defaultMetrics !== false)
    collectDefaultMetrics({ register: registry, prefix, eventLoopMonitoringPrecision: 100 });

  // A second definition under the same name must agree on kind and labels: a mismatch is a
  // programming error that would otherwise surface as silently missing series.
  function define<M extends Metric<string>>(
    kind: MetricKind,
    name: string,
    labelNames: readonly string[] | undefined,
    create: (fullName: string) => M,
  ): M {
    const fullName = prefix + name;
    const labels = [...(labelNames ?? [])].sort().join(',');
    const existing = defined.get(fullName);
    if (existing) {
      if (existing.kind !== kind || existing.labels !== labels) {
        throw new TypeError(
          `metric ${fullName} is already defined as a ${existing.kind} with labels [${existing.labels}]`,
        );
      }
      return existing.metric as M;
    }
    const metric = create(fullName);
    defined.set(fullName, { kind, labels, metric });
    return metric;
  }

  return {
    registry,
    prefix,
    contentType: registry.contentType,
    counter: (definition) =>
      define('counter', definition.name, definition.labelNames, (name) => {
        return new Counter({ ...definition, name, registers: [registry] });
      }),
    gauge: (definition) =>
      define('gauge', definition.name, definition.labelNames, (name) => {
        return new Gauge({ ...definition, name, registers: [registry] });
      }),
    histogram: (definition) =>
      define('histogram', definition.name, definition.labelNames, (name) => {
        return new Histogram({ ...definition, name, registers: [registry] });
      }),
    metrics: () => registry.metrics(),
  };
}
