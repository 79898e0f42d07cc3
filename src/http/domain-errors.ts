// A DomainError as the API answers it: one status per code, one body shape. Shared by the
// error handler and the routes that answer per item (the desk application's sync).
import type { DomainError } from '../domain/errors.js';

const STATUS: Record<DomainError['code'], number> = {
  invalid: 400,
  not_found: 404,
  forbidden: 403,
  illegal_transition: 409,
  conflict: 409,
  storage_full: 503,
  storage_failed: 503,
};

export function statusOf(err: DomainError): number {
  return STATUS[err.code];
}

export function errorBody(err: DomainError): {
  error: string;
  message: string;
  field?: string;
  state?: string;
  rule?: string;
} {
  return {
    error: err.code,
    message: err.message,
    ...(err.field ? { field: err.field } : {}),
    ...(err.detail.state ? { state: err.detail.state } : {}),
    ...(err.detail.rule ? { rule: err.detail.rule } : {}),
  };
}
