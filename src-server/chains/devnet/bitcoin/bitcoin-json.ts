// JSON text the way bitcoind writes it: amounts are JSON numbers with exactly eight decimals
// ("value": 0.00050000), written from integer satoshis so no float ever touches a money value.
// Readers should take amounts from the number's text (or round value * 1e8 only after checking it
// has at most eight decimals), never do float arithmetic on them.
import { formatAmount } from './bitcoin-policy.ts';

/** An amount in satoshis that serialises as a bitcoind JSON number (coins with eight decimals). */
export class JsonAmount {
  readonly sats: bigint;
  constructor(sats: bigint) {
    this.sats = sats;
  }
}

export function amount(sats: bigint): JsonAmount {
  return new JsonAmount(sats);
}

/** JSON.stringify for values that may contain JsonAmount; undefined object members are left out. */
export function writeJson(value: unknown): string {
  if (value instanceof JsonAmount) return formatAmount(value.sats);
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return 'null';
    return JSON.stringify(value);
  }
  if (typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(writeJson).join(',')}]`;
  if (typeof value === 'object') {
    const members: string[] = [];
    for (const [key, member] of Object.entries(value as Record<string, unknown>)) {
      if (member === undefined) continue;
      members.push(`${JSON.stringify(key)}:${writeJson(member)}`);
    }
    return `{${members.join(',')}}`;
  }
  throw new TypeError(`not serialisable as JSON: ${typeof value}`);
}
