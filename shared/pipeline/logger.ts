/** The slice of Powertools Logger the domain uses, so tests and the CLI can pass their own. */
export interface LogPort {
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

export const silentLogger: LogPort = { info() {}, warn() {}, error() {} };
