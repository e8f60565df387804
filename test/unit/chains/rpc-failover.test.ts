import { describe, expect, it } from 'vitest';
import {
  HttpRequestError,
  InternalRpcError,
  InvalidParamsRpcError,
  LimitExceededRpcError,
  MethodNotFoundRpcError,
  RpcRequestError,
  TimeoutError,
} from 'viem';
import { createFailoverRpc, isEndpointFailure, redactRpcUrl } from '../../../src-server/chains/evm/rpc-failover.ts';

const url = 'http://127.0.0.1:1';
const rpcError = (code: number, message: string) => new RpcRequestError({ body: {}, error: { code, message }, url });

describe('redactRpcUrl', () => {
  it.each([
    ['http://127.0.0.1:8545', 'http://127.0.0.1:8545'],
    ['https://mainnet.infura.io/v3/0123456789abcdef0123456789abcdef', 'https://mainnet.infura.io/v3/***'],
    ['https://user:secret@rpc.example.com/eth', 'https://***@rpc.example.com/eth'],
    ['https://rpc.example.com/?apikey=abc', 'https://rpc.example.com/?***'],
    ['https://bsc-dataseed.bnbchain.org', 'https://bsc-dataseed.bnbchain.org'],
    ['not a url', '[invalid url]'],
    // Keys in the path, as providers hand them out.
    ['https://eth-mainnet.g.alchemy.com/v2/AbCdEfGh12345678_-ijKLmnOP9012qrst', 'https://eth-mainnet.g.alchemy.com/v2/***'],
    ['https://polygon-mainnet.g.alchemy.com/v2/k3yAbc12', 'https://polygon-mainnet.g.alchemy.com/v2/***'],
    ['https://:secret@mainnet.infura.io/v3/0123456789abcdef0123456789abcdef', 'https://***@mainnet.infura.io/v3/***'],
    ['https://bsc-mainnet.nodereal.io/v1/0123456789abcdef0123456789abcdef', 'https://bsc-mainnet.nodereal.io/v1/***'],
    ['https://frosty-misty-sky.quiknode.pro/0123456789abcdef0123456789abcdef01234567/', 'https://frosty-misty-sky.quiknode.pro/***'],
    ['https://rpc.ankr.com/eth/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef', 'https://rpc.ankr.com/eth/***'],
    ['https://eth-mainnet.blastapi.io/1b2c3d4e-aaaa-bbbb-cccc-0123456789ab', 'https://eth-mainnet.blastapi.io/***'],
    ['https://rpc.example/key/AbC.dEf~gHi=jKl+mN', 'https://rpc.example/key/***'],
    ['https://lb.drpc.org/ogrpc?network=ethereum&dkey=AbCd1234', 'https://lb.drpc.org/ogrpc?***'],
    ['https://rpc.example/eth#token=abc', 'https://rpc.example/eth#***'],
    // Words, numbers and short versions stay readable.
    ['https://api.avax.network/ext/bc/C/rpc', 'https://api.avax.network/ext/bc/C/rpc'],
    ['https://mempool.space/litecoin/api', 'https://mempool.space/litecoin/api'],
    ['https://arb1.arbitrum.io/rpc', 'https://arb1.arbitrum.io/rpc'],
    ['https://rpc.example/evm/43114', 'https://rpc.example/evm/43114'],
    ['https://eth-mainnet.g.alchemy.com/v2/demo', 'https://eth-mainnet.g.alchemy.com/v2/demo'],
  ])('%s → %s', (input, expected) => {
    expect(redactRpcUrl(input)).toBe(expected);
  });
});

describe('isEndpointFailure', () => {
  it.each([
    { name: 'connection refused', error: new HttpRequestError({ url, details: 'fetch failed' }), failover: true },
    { name: 'HTTP 503', error: new HttpRequestError({ url, status: 503 }), failover: true },
    { name: 'HTTP 429', error: new HttpRequestError({ url, status: 429 }), failover: true },
    { name: 'timeout', error: new TimeoutError({ body: {}, url }), failover: true },
    { name: 'JSON-RPC internal error', error: new InternalRpcError(rpcError(-32603, 'internal error')), failover: true },
    { name: 'method not found', error: new MethodNotFoundRpcError(rpcError(-32601, 'no such method')), failover: true },
    { name: 'header not found (-32000)', error: rpcError(-32000, 'header not found'), failover: true },
    { name: 'rate limited (-32005)', error: new LimitExceededRpcError(rpcError(-32005, 'rate limit exceeded')), failover: true },
    { name: 'invalid params', error: new InvalidParamsRpcError(rpcError(-32602, 'invalid argument')), failover: false },
    {
      name: 'getLogs range too large',
      error: new LimitExceededRpcError(rpcError(-32005, 'query returned more than 10000 results')),
      failover: false,
    },
  ])('$name → failover: $failover', ({ error, failover }) => {
    expect(isEndpointFailure(error, 'eth_getLogs')).toBe(failover);
  });

  it('treats a range message on other methods as an endpoint failure', () => {
    expect(isEndpointFailure(rpcError(-32000, 'exceed maximum block range: 5000'), 'eth_blockNumber')).toBe(true);
  });
});

describe('createFailoverRpc', () => {
  it('refuses an empty URL list', () => {
    expect(() => createFailoverRpc({ chain: 'ethereum', rpcUrls: [] })).toThrow(/no RPC URL/);
  });

  it('reports every URL, redacted, before any traffic', () => {
    const rpc = createFailoverRpc({ chain: 'ethereum', rpcUrls: ['http://127.0.0.1:1', 'https://x.io/v3/0123456789abcdef0123'] });
    expect(rpc.health()).toEqual([
      { url: 'http://127.0.0.1:1', ok: true, lastError: null, lastErrorAt: null, requests: 0, failures: 0 },
      { url: 'https://x.io/v3/***', ok: true, lastError: null, lastErrorAt: null, requests: 0, failures: 0 },
    ]);
    expect(rpc.requestCount()).toBe(0);
  });
});
