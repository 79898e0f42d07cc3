// Errors the domain raises. The HTTP layer maps codes to status codes (409 for an illegal
// transition, 404 for a missing thing, 400 for a bad value); nothing has changed when one is thrown.

export type DomainErrorCode = 'illegal_transition' | 'not_found' | 'invalid' | 'conflict' | 'forbidden';

export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    /** The input field at fault, where there is one. */
    readonly field?: string,
  ) {
    super(message);
  }
}
