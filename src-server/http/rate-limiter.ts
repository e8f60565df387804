/** Token bucket per API key: `limit` requests per second with a burst of `limit`. */
export function createRateLimiter(clock: () => number = () => Date.now()) {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    /** Takes one token; returns 0 when allowed, else the whole seconds to wait (for Retry-After). */
    take(id: string, limit: number): number {
      const now = clock();
      const bucket = buckets.get(id) ?? { tokens: limit, at: now };
      bucket.tokens = Math.min(limit, bucket.tokens + ((now - bucket.at) / 1000) * limit);
      bucket.at = now;
      buckets.set(id, bucket);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return 0;
      }
      return Math.max(1, Math.ceil((1 - bucket.tokens) / limit));
    },
  };
}
