export { IdleCollector, type IdleCollectorOptions } from './idle-collector.js';
