// The port through which account logic hashes and checks passwords. The
// implementation (hash/password-pool.ts) decides where the CPU work runs.

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** False for a wrong password. */
  verify(password: string, stored: string): Promise<boolean>;
}
