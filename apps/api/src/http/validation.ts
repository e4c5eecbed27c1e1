import { ValidationPipe } from '@nestjs/common';
import { flattenValidationErrors } from '@mu/contracts';
import { ValidationFailedError } from './errors';

/** Validates every body and query against its DTO, listing every bad field by path. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    exceptionFactory: (errors) => new ValidationFailedError(flattenValidationErrors(errors)),
  });
}
