// The LMDB AccountStore moved to src/store/lmdb with the other adapters; this
// path stays so existing imports keep working.
export { FIRST_ACCOUNT_ID } from '../../../store/account-store.js';
export { LmdbAccountStore } from '../../../store/lmdb/account-store.js';
