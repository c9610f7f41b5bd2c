export { type MemoryLocationOptions, MemoryLocationService } from './memory-location.js';
export { fromStored, noPath, toStored } from './stored-binding.js';
export type { Binding, BindingChange, BindingSource, BindingStore, LocationService } from './types.js';
