// Pure helpers for finding ERC-20 Transfer logs: the eth_getLogs filter and the log decoding.
import type { Hex, LogTopic } from 'viem';

/** keccak256("Transfer(address,address,uint256)") */
export const TRANSFER_TOPIC: Hex = '0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef';

/**
 * Up to this many watched addresses go into the filter as an OR-list on topic2 (recipient);
 * above it we ask for every Transfer of the watched tokens and filter locally, so a filter never
 * grows past what providers accept and the call count never depends on the watch set's size.
 */
export const MAX_RECIPIENT_TOPICS = 500;

/** An address as a 32-byte, left-padded, lowercase topic. */
export function addressToTopic(address: string): Hex {
  if (!/^0x[0-9a-fA-F]{40}$/.test(address)) throw new Error(`not an EVM address: ${address}`);
  return `0x${'0'.repeat(24)}${address.slice(2).toLowerCase()}`;
}

export interface TransferLogFilter {
  address: Hex[];
  topics: LogTopic[];
  /** True when the recipient is filtered by the node (topic2); false = filter locally. */
  recipientTopicFilter: boolean;
}

/** Filter for Transfer logs of the watched tokens; addresses are sorted for a stable request. */
export function buildTransferLogFilter(
  tokenContracts: ReadonlySet<string>,
  recipients: ReadonlySet<string>,
): TransferLogFilter {
  const address = [...tokenContracts].map((a) => a.toLowerCase() as Hex).sort();
  if (recipients.size === 0 || recipients.size > MAX_RECIPIENT_TOPICS) {
    return { address, topics: [TRANSFER_TOPIC], recipientTopicFilter: false };
  }
  const recipientTopics = [...recipients].map(addressToTopic).sort();
  return { address, topics: [TRANSFER_TOPIC, null, recipientTopics], recipientTopicFilter: true };
}

export interface DecodedTransfer {
  from: string;
  to: string;
  amount: bigint;
}

/**
 * from/to/amount of an ERC-20 Transfer log, or null for anything else that shares topic0
 * (ERC-721 Transfer has the tokenId as a 4th topic and no data).
 */
export function decodeTransferLog(log: { topics: readonly (string | null)[]; data: string }): DecodedTransfer | null {
  const [topic0, fromTopic, toTopic] = log.topics;
  if (log.topics.length !== 3 || topic0?.toLowerCase() !== TRANSFER_TOPIC) return null;
  if (!fromTopic || !toTopic || !/^0x[0-9a-fA-F]{64}$/.test(log.data)) return null;
  if (!/^0x0{24}[0-9a-fA-F]{40}$/.test(fromTopic) || !/^0x0{24}[0-9a-fA-F]{40}$/.test(toTopic)) return null;
  return {
    from: `0x${fromTopic.slice(26).toLowerCase()}`,
    to: `0x${toTopic.slice(26).toLowerCase()}`,
    amount: BigInt(log.data),
  };
}

// Wordings providers use when an eth_getLogs range (or its result) is too big: geth/Infura,
// Alchemy, QuickNode, BSC/Polygon nodes, Ankr, Cloudflare, Erigon.
const RANGE_TOO_LARGE_PATTERNS: readonly RegExp[] = [
  /block range/i,
  /range (is )?too (large|wide|big)/i,
  /more than \d+ (results|logs)/i,
  /too many (results|logs|blocks)/i,
  /response size (is )?(exceeded|too (large|big))|log response size/i,
  /limited to (a |an )?[\d,]+k? ?(block|range)/i,
  /logs? (matched|returned) by query exceeds/i,
  /exceed(s|ed)? (the )?max(imum)? (number of )?(blocks|results|logs)/i,
];

/** The node refused an eth_getLogs because of its range or result size (split and retry). */
export function isRangeTooLargeError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 6; e = (e as { cause?: unknown }).cause, depth++) {
    const text = [(e as { details?: unknown }).details, (e as { message?: unknown }).message]
      .filter((t): t is string => typeof t === 'string')
      .join(' ');
    if (/rate limit|too many requests/i.test(text)) return false;
    if (RANGE_TOO_LARGE_PATTERNS.some((re) => re.test(text))) return true;
  }
  return false;
}
