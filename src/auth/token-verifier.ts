/**
 * Token checks with a short cache: a verified (or refused) token is
 * remembered for at most `ttlMs` (10 s at most, API.md §6), so a revoked
 * token stops working within that time while a busy client costs one lookup
 * per TTL. Lookups go to the database given here, the primary: a token
 * created a moment ago works at once.
 */
import type { Kysely } from 'kysely';
import type { Principal } from './principal.js';
import { lookUpToken } from './tokens.js';

export const MAX_TOKEN_CACHE_MS = 10_000;
/** Entries past this many start the cache over (a flood of random tokens cannot grow it). */
const MAX_ENTRIES = 10_000;

interface Entry {
  principal: Principal | undefined;
  expires: number;
}

export interface TokenVerifierOptions {
  /** How long a result is reused (ms), 0..10,000; default 10,000. */
  ttlMs?: number;
  /** The clock, for tests. */
  now?: () => number;
}

export class TokenVerifier {
  readonly #db: Kysely<any>;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #cache = new Map<string, Entry>();

  constructor(db: Kysely<any>, options: TokenVerifierOptions = {}) {
    const ttl = options.ttlMs ?? MAX_TOKEN_CACHE_MS;
    if (!(ttl >= 0 && ttl <= MAX_TOKEN_CACHE_MS)) throw new RangeError(`token cache TTL must be 0..${MAX_TOKEN_CACHE_MS} ms; got ${ttl}`);
    this.#db = db;
    this.#ttlMs = ttl;
    this.#now = options.now ?? Date.now;
  }

  /** The principal of `token`, or undefined when it is malformed, unknown or revoked. */
  async verify(token: string): Promise<Principal | undefined> {
    const now = this.#now();
    const cached = this.#cache.get(token);
    if (cached && cached.expires > now) return cached.principal;
    const principal = await lookUpToken(this.#db, token);
    if (this.#ttlMs > 0) {
      if (this.#cache.size >= MAX_ENTRIES) this.#cache.clear();
      this.#cache.set(token, { principal, expires: now + this.#ttlMs });
    }
    return principal;
  }
}
