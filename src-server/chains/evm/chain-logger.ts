// The slice of a pino logger the chain code needs; pino's Logger satisfies it structurally,
// and tests can pass nothing (silent) or a stub.
export interface ChainLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const noop = (): void => {};

export const silentLogger: ChainLogger = { debug: noop, info: noop, warn: noop, error: noop };
