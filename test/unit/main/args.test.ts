// `npm start -- <flags>` means the same to the desktop app as to `kassa serve`.
import { describe, expect, it } from 'vitest';
import { DesktopArgsError, parseDesktopArgs } from '../../../src-main/args.ts';

describe('parseDesktopArgs', () => {
  it.each([
    [[], { home: undefined, overrides: {}, hidden: false }],
    [['--home', '/tmp/k', '--port', '0', '--public-port', '0'], { home: '/tmp/k', overrides: { port: 0, publicPort: 0 }, hidden: false }],
    [['--no-devnet'], { overrides: { devnet: { enabled: false } } }],
    [['--devnet-rpc', 'http://127.0.0.1:8545', '--block-time', '0.5'], { overrides: { devnet: { rpcUrl: 'http://127.0.0.1:8545', blockTime: 0.5 } } }],
    [['--host', '127.0.0.1', '--public-host', '0.0.0.0', '--allow-remote', '--log-level', 'debug'], { overrides: { host: '127.0.0.1', publicHost: '0.0.0.0', allowRemoteMerchantApi: true, logLevel: 'debug' } }],
    [['--hidden'], { hidden: true }],
    // Chromium's and Electron's own switches pass through untouched.
    [['--no-sandbox', '--enable-logging', '--inspect=9229', '--port', '9000'], { overrides: { port: 9000 } }],
  ])('%j', (args, expected) => {
    expect(parseDesktopArgs(args)).toMatchObject(expected);
  });

  it.each([
    [['--port', 'abc'], '--port: expected a number, got "abc"'],
    [['--block-time', '-1'], '--block-time: expected a number, got "-1"'],
    [['--no-devnet', '--devnet-rpc', 'http://x'], '--devnet-rpc and --no-devnet contradict each other'],
    [['--home'], '--home: expected a value'],
  ])('%j → %s', (args, message) => {
    expect(() => parseDesktopArgs(args)).toThrow(DesktopArgsError);
    expect(() => parseDesktopArgs(args)).toThrow(message);
  });
});
