// Lares's storage interface now lives with the other store interfaces in
// src/store; this path stays so existing imports keep working.
export type { AccountRecord, AccountStore, GuestLogin, NewUserAccount, SessionRecord } from '../../../store/account-store.js';
