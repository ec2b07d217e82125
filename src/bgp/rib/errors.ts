// The one error type the RIB throws: a stable `code` (tests and the CLI use it) and a message.

export type RibErrorCode =
  | 'ERR_RIB_BAD_PREFIX' // prefix text or value that is not a valid network (host bits set, length out of range)
  | 'ERR_RIB_BAD_FILTER_RULE' // a prefix-filter rule whose ge/le range is impossible
  | 'ERR_RIB_BAD_CONFIG' // a peer or RIB option out of range
  | 'ERR_RIB_UNKNOWN_PEER' // no peer with that id was added
  | 'ERR_RIB_DUPLICATE_PEER' // a peer with that id exists already
  | 'ERR_RIB_PEER_NOT_UP' // routes received or asked for on a peer whose session is not established
  | 'ERR_RIB_UPDATE_TOO_LONG'; // path attributes so long that not one prefix fits in an UPDATE

export class RibError extends Error {
  override readonly name = 'RibError';
  readonly code: RibErrorCode;

  constructor(code: RibErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
