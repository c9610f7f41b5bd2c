export type { Counter, Gauge, Histogram } from 'prom-client';
export {
  type CounterDefinition,
  createMetricsRegistry,
  type GaugeDefinition,
  type HistogramDefinition,
  type MetricsRegistry,
  type MetricsRegistryOptions,
} from './registry.js';
