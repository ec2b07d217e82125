// Coded errors of the FSM layer: only configuration can be wrong here (the FSM itself never throws).

export class BgpConfigError extends Error {
  override readonly name = 'BgpConfigError';
  /** stable machine-readable code, e.g. 'ERR_BGP_CONFIG_HOLD_TIME' */
  readonly code: string;
  /** the option at fault */
  readonly field: string;

  constructor(code: string, field: string, message: string) {
    super(message);
    this.code = code;
    this.field = field;
  }
}
