// The wallet's one error type: a code for the API edge, a message and a fix a person can act on.
export type WalletErrorCode =
  | 'key_store_missing'
  | 'wallet_exists'
  | 'mnemonic_invalid'
  | 'wallet_missing'
  | 'watch_only'
  | 'extended_key_invalid'
  | 'extended_key_private'
  | 'scheme_unknown'
  | 'watch_only_input_invalid';

export class WalletError extends Error {
  readonly code: WalletErrorCode;
  readonly fix: string;
  constructor(code: WalletErrorCode, message: string, fix: string) {
    super(message);
    this.name = 'WalletError';
    this.code = code;
    this.fix = fix;
  }
}
