// Worker side of the derive pool (derive-pool.ts): derives the addresses the main thread asks for,
// with the same deriveAddress it would have called, and posts them back in small batches.
import { parentPort } from 'node:worker_threads';
import { deriveAddress, type AddressScheme } from './derive.ts';

interface Request {
  key: string;
  xpub: string;
  scheme: AddressScheme;
  from: number;
  count: number;
}

const BATCH = 32;

parentPort!.on('message', (req: Request) => {
  let addresses: string[] = [];
  let start = req.from;
  for (let i = req.from; i < req.from + req.count; i++) {
    try {
      addresses.push(deriveAddress(req.xpub, req.scheme, i));
    } catch {
      break; // out of range or a bad xpub: the main thread derives (and reports) it itself
    }
    if (addresses.length === BATCH) {
      parentPort!.postMessage({ key: req.key, from: start, addresses, done: false });
      start += addresses.length;
      addresses = [];
    }
  }
  parentPort!.postMessage({ key: req.key, from: start, addresses, done: true });
});
