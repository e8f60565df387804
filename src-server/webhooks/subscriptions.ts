// Which events an endpoint receives: "*", an exact type, or a group wildcard ("payment_intent.*").
import { EVENT_TYPES } from './event-types.ts';

const GROUPS = new Set(EVENT_TYPES.map((t) => t.slice(0, t.indexOf('.'))));

/** Null when the subscription names something that exists, else the reason it does not. */
export function subscriptionProblem(entry: string): string | null {
  if (entry === '*') return null;
  if (entry.endsWith('.*')) return GROUPS.has(entry.slice(0, -2)) ? null : `unknown event group "${entry.slice(0, 60)}"`;
  return (EVENT_TYPES as readonly string[]).includes(entry) ? null : `unknown event type "${entry.slice(0, 60)}"`;
}

export function subscribes(subscriptions: readonly string[], type: string): boolean {
  for (const entry of subscriptions) {
    if (entry === '*' || entry === type) return true;
    if (entry.endsWith('.*') && type.startsWith(entry.slice(0, -1))) return true;
  }
  return false;
}
