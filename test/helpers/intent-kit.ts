// The test-mode merchant API calls a shop (or a test) makes around the intents of one network,
// whatever chain family watches it.
import { expect } from 'vitest';
import type { ApiClient } from './node.ts';

/** `defaults` go into every created intent under the caller's own fields (e.g. asset, amount). */
export function intentKit(api: () => ApiClient, network: string, defaults: Record<string, unknown>) {
  const kit = {
    async create(body: Record<string, unknown> = {}): Promise<any> {
      const res = await api().post('/api/v1/payment-intents', { network, ...defaults, ...body });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.data;
    },
    async get(id: string): Promise<any> {
      const res = await api().get(`/api/v1/payment-intents/${id}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.data;
    },
    /** The node's test-helper pay: a transaction from the devnet faucet (UTXO: into the mempool, not mined). */
    async pay(id: string, amount?: string): Promise<{ txid: string; [field: string]: unknown }> {
      const res = await api().post(`/api/v1/test-helpers/payment-intents/${id}/pay`, amount === undefined ? {} : { amount });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.data;
    },
    /** Mines on the devnet through the node's test helper, which also runs one scan of the chain before answering. */
    async mine(blocks: number): Promise<{ head: number; [field: string]: unknown }> {
      const res = await api().post('/api/v1/test-helpers/devnet/mine', { blocks, network });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.data;
    },
    async expire(id: string): Promise<any> {
      const res = await api().post(`/api/v1/test-helpers/payment-intents/${id}/expire`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.data;
    },
    /** Events about an object via the API, oldest first (the API lists newest first). */
    async events(objectId: string): Promise<{ type: string; data: { object: any } }[]> {
      const res = await api().get(`/api/v1/events?limit=100&object_id=${encodeURIComponent(objectId)}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return (res.body.data as { type: string; data: { object: any } }[]).reverse();
    },
    async eventTypes(objectId: string): Promise<string[]> {
      return (await kit.events(objectId)).map((e) => e.type);
    },
  };
  return kit;
}
