// Storage for every service: the interfaces domain code depends on, the
// errors they throw, and openStores, which picks the adapters from config.
// Domain code imports from here, never from lmdb/, postgres/ or mongodb/.
export * from './account-store.js';
export * from './player-store.js';
export { isStoreError, StoreError, type StoreErrorCode } from './errors.js';
export { openStores, type Stores } from './open-stores.js';
