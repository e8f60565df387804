import { describe, expect, it } from 'vitest';
import {
  addressToTopic,
  buildTransferLogFilter,
  decodeTransferLog,
  isRangeTooLargeError,
  MAX_RECIPIENT_TOPICS,
  TRANSFER_TOPIC,
} from '../../../src-server/chains/evm/transfer-logs.ts';
import { keccak256, toHex } from 'viem';

const addr = (i: number): string => `0x${i.toString(16).padStart(40, '0')}`;
const token = '0x700b6a60ce7eaaea56f065753d8dcb9653dbad35';

describe('TRANSFER_TOPIC', () => {
  it('is keccak256 of the ERC-20 Transfer signature', () => {
    expect(TRANSFER_TOPIC).toBe(keccak256(toHex('Transfer(address,address,uint256)')));
  });
});

describe('addressToTopic', () => {
  it('left-pads to 32 bytes and lowercases', () => {
    expect(addressToTopic('0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266')).toBe(
      '0x000000000000000000000000f39fd6e51aad88f6f4ce6ab8827279cfffb92266',
    );
  });
  it('rejects non-addresses', () => {
    expect(() => addressToTopic('0x1234')).toThrow(/not an EVM address/);
  });
});

describe('buildTransferLogFilter', () => {
  it.each([
    { recipients: 0, topicFilter: false },
    { recipients: 1, topicFilter: true },
    { recipients: MAX_RECIPIENT_TOPICS, topicFilter: true },
    { recipients: MAX_RECIPIENT_TOPICS + 1, topicFilter: false },
    { recipients: 5_000, topicFilter: false },
  ])('$recipients recipients → recipient topic filter: $topicFilter', ({ recipients, topicFilter }) => {
    const watched = new Set(Array.from({ length: recipients }, (_, i) => addr(i + 1)));
    const filter = buildTransferLogFilter(new Set([token]), watched);
    expect(filter.recipientTopicFilter).toBe(topicFilter);
    expect(filter.address).toEqual([token]);
    expect(filter.topics[0]).toBe(TRANSFER_TOPIC);
    if (topicFilter) {
      expect(filter.topics).toHaveLength(3);
      expect(filter.topics[1]).toBeNull();
      expect(filter.topics[2]).toHaveLength(recipients);
    } else {
      expect(filter.topics).toHaveLength(1);
    }
  });

  it('lowercases token contracts', () => {
    const filter = buildTransferLogFilter(new Set(['0x700B6A60CE7EAAEA56F065753D8DCB9653DBAD35']), new Set([addr(1)]));
    expect(filter.address).toEqual([token]);
  });
});

describe('decodeTransferLog', () => {
  const from = addressToTopic(addr(0xaa));
  const to = addressToTopic(addr(0xbb));
  const amount = `0x${(25_000_000n).toString(16).padStart(64, '0')}`;
  it.each([
    { name: 'ERC-20 Transfer', topics: [TRANSFER_TOPIC, from, to], data: amount, ok: true },
    { name: 'ERC-721 Transfer (tokenId as 4th topic)', topics: [TRANSFER_TOPIC, from, to, amount], data: '0x', ok: false },
    { name: 'missing value data', topics: [TRANSFER_TOPIC, from, to], data: '0x', ok: false },
    { name: 'other event', topics: [keccak256(toHex('Approval(address,address,uint256)')), from, to], data: amount, ok: false },
    { name: 'dirty address topic', topics: [TRANSFER_TOPIC, `0x01${from.slice(4)}`, to], data: amount, ok: false },
  ])('$name', ({ topics, data, ok }) => {
    const decoded = decodeTransferLog({ topics, data });
    if (ok) expect(decoded).toEqual({ from: addr(0xaa), to: addr(0xbb), amount: 25_000_000n });
    else expect(decoded).toBeNull();
  });

  it('keeps 18-decimal amounts beyond 2^64 exact', () => {
    const big = 123_456_789_012_345_678_901_234_567_890n;
    const decoded = decodeTransferLog({ topics: [TRANSFER_TOPIC, from, to], data: `0x${big.toString(16).padStart(64, '0')}` });
    expect(decoded?.amount).toBe(big);
  });
});

describe('isRangeTooLargeError', () => {
  it.each([
    'query returned more than 10000 results',
    'exceed maximum block range: 5000',
    'eth_getLogs is limited to a 10,000 range',
    'Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range',
    'block range is too wide',
    'Block range limit exceeded',
    'range too large, max range: 1000',
  ])('recognises %j', (message) => {
    expect(isRangeTooLargeError(new Error(message))).toBe(true);
    expect(isRangeTooLargeError({ message: 'RPC error', details: message })).toBe(true);
    expect(isRangeTooLargeError(new Error('wrapped', { cause: new Error(message) }))).toBe(true);
  });

  it.each(['rate limit exceeded', 'Too Many Requests', 'internal error', 'header not found', 'fetch failed'])(
    'does not mistake %j for a range problem',
    (message) => {
      expect(isRangeTooLargeError(new Error(message))).toBe(false);
    },
  );
});
