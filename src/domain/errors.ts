// Errors the domain raises. The HTTP layer maps codes to status codes (409 for an illegal
// transition, 404 for a missing thing, 400 for a bad value, 503 when the journal cannot write);
// nothing has changed when one is thrown.

export type DomainErrorCode =
  | 'illegal_transition'
  | 'not_found'
  | 'invalid'
  | 'conflict'
  | 'forbidden'
  /** The journal could not take the change (the data folder is full, or the disk failed). */
  | 'storage_full'
  | 'storage_failed';

export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    /** The input field at fault, where there is one. */
    readonly field?: string,
    readonly detail: {
      /** conflict: the state of the thing the input contradicts. */
      state?: string;
      /** invalid: the rule the value breaks (a stable code the panel translates). */
      rule?: string;
    } = {},
  ) {
    super(message);
  }
}
