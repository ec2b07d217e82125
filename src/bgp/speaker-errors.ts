// The one error type of the speaker facade: a stable `code` (tests, logs and the CLI use it).
// Errors from the layers below (BgpSessionError, BgpConfigError, RibError) pass through unchanged.

export type SpeakerErrorCode =
  /** a peer with that id exists already */
  | 'ERR_SPEAKER_DUPLICATE_PEER'
  /** no peer with that id */
  | 'ERR_SPEAKER_UNKNOWN_PEER'
  /** a speaker or peer option that cannot be used (the message says which) */
  | 'ERR_SPEAKER_BAD_CONFIG'
  /** whenAnnounced: the prefixes were not all announced in time */
  | 'ERR_SPEAKER_ANNOUNCE_TIMEOUT'
  /** the speaker was stopped (start after stop, or a wait cut short by stop) */
  | 'ERR_SPEAKER_STOPPED';

export class SpeakerError extends Error {
  override readonly name = 'SpeakerError';
  readonly code: SpeakerErrorCode;

  constructor(code: SpeakerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
