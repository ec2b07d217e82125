// Coded errors of the session layer (misuse of the API, bad options).

export class BgpSessionError extends Error {
  override readonly name = 'BgpSessionError';
  /** stable machine-readable code, e.g. 'ERR_BGP_SESSION_NOT_ESTABLISHED' */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
