/**
 * Service errors of the Rekognition-compatible API (spec §5). Every error leaves the API in the AWS JSON 1.1
 * error envelope of spec §1.3 (see `errorResponse` in ./handler.ts).
 */
export type ServiceErrorName =
  | 'AccessDeniedException'
  | 'IdempotentParameterMismatchException'
  | 'IncompleteSignatureException'
  | 'InternalServerError'
  | 'InvalidPaginationTokenException'
  | 'InvalidParameterException'
  | 'InvalidS3ObjectException'
  | 'InvalidSignatureException'
  | 'MissingAuthenticationTokenException'
  | 'LimitExceededException'
  | 'ProvisionedThroughputExceededException'
  | 'ResourceNotFoundException'
  | 'ThrottlingException'
  | 'UnknownOperationException'
  | 'UnrecognizedClientException'
  | 'VideoTooLargeException';

/** An error the API answers as-is: `name` becomes `__type`/`Code`, `status` the HTTP status. */
export class ServiceError extends Error {
  override readonly name: ServiceErrorName;
  readonly status: number;

  constructor(name: ServiceErrorName, message: string, status = 400) {
    super(message);
    this.name = name;
    this.status = status;
  }
}

export const INVALID_PARAMETERS_MESSAGE = 'Request has invalid parameters';

export const invalidParameter = (message = INVALID_PARAMETERS_MESSAGE): ServiceError =>
  new ServiceError('InvalidParameterException', message);

export const invalidPaginationToken = (): ServiceError =>
  new ServiceError('InvalidPaginationTokenException', 'Invalid Pagination Token');

export const resourceNotFound = (): ServiceError =>
  new ServiceError('ResourceNotFoundException', 'Requested resource not found');

export const idempotentParameterMismatch = (token: string): ServiceError =>
  new ServiceError(
    'IdempotentParameterMismatchException',
    `The ClientRequestToken: ${token} you have supplied is already in use`,
  );

export const limitExceeded = (open: number, accountId: string, limit: number): ServiceError =>
  new ServiceError('LimitExceededException', `${open} open Jobs for User ${accountId} Maximum limit: ${limit}`);

export const invalidS3Object = (): ServiceError =>
  new ServiceError(
    'InvalidS3ObjectException',
    'Unable to get object metadata from S3. Check object key, region and/or access permissions.',
  );

export const videoTooLarge = (sizeBytes: number, maxBytes: number): ServiceError =>
  new ServiceError('VideoTooLargeException', `Video size in bytes: ${sizeBytes} is more than the maximum limit of: ${maxBytes} bytes`);

export const internalServerError = (): ServiceError => new ServiceError('InternalServerError', 'Internal server error', 500);

export const isServiceError = (e: unknown): e is ServiceError => e instanceof ServiceError;
