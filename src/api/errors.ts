import { RecordingError } from '../recording/types.js';

/** The `code` of every error the API returns, in the body `{ error: { code, message, field? } }`. */
export type ApiErrorCode =
  | 'invalid'
  | 'unauthorized'
  | 'not-found'
  | 'conflict'
  | 'payload-too-large'
  | 'unsupported-media-type'
  | 'range-not-satisfiable'
  | 'internal'
  | 'media-server'
  | 'unavailable';

export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string; field?: string };
}

/** An error a handler means the client to see, with its status and (for bad input) the field. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ApiErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  body(): ApiErrorBody {
    return {
      error: { code: this.code, message: this.message, ...(this.field ? { field: this.field } : {}) },
    };
  }
}

const RECORDING_STATUS: Record<RecordingError['code'], number> = {
  'not-found': 404,
  conflict: 409,
  invalid: 400,
  'media-server': 502,
  unavailable: 503,
};

/** The recording service's typed errors keep their message: it was written for the caller. */
export function fromRecordingError(error: RecordingError): ApiError {
  return new ApiError(RECORDING_STATUS[error.code], error.code, error.message);
}

/** Fastify's own client errors (bad JSON, too large, wrong Content-Type) by status. */
export function fromClientError(status: number, message: string): ApiError {
  if (status === 413) return new ApiError(413, 'payload-too-large', message);
  if (status === 415) return new ApiError(415, 'unsupported-media-type', message);
  if (status === 404) return new ApiError(404, 'not-found', message);
  return new ApiError(status, 'invalid', message);
}

export function isRecordingError(error: unknown): error is RecordingError {
  return error instanceof RecordingError;
}
