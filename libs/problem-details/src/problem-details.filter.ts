import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import type { Request, Response } from 'express';
import {
  PROBLEM_CONTENT_TYPE,
  ProblemBody,
  ProblemDetails,
  problemTypeForStatus,
} from './problem-details';
import { ProblemException } from './problem.exception';

/**
 * Turns an error a library raised (a domain refusal, a store conflict) into a
 * problem, or answers `undefined` when the error is not its kind.
 */
export type ProblemMapper = (error: unknown) => ProblemBody | undefined;

/**
 * The one place that turns errors into HTTP answers: first the app's mappers
 * for coded domain and platform errors, then HTTP errors with their status;
 * anything else is a 500 that names the correlation id and leaks no internals
 * (the stack goes to the log).
 */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemDetails');

  constructor(private readonly mappers: readonly ProblemMapper[] = []) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request & { id?: string }>();
    const response = http.getResponse<Response>();
    const problem = this.toProblem(error, request);
    response.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
  }

  private toProblem(error: unknown, request: Request & { id?: string }): ProblemDetails {
    for (const mapper of this.mappers) {
      const problem = mapper(error);
      if (problem) return { ...problem, instance: request.originalUrl };
    }
    if (error instanceof ProblemException)
      return { ...error.problem(), instance: request.originalUrl };
    if (error instanceof HttpException) {
      const status = error.getStatus();
      return {
        type: problemTypeForStatus(status),
        title: STATUS_CODES[status] ?? 'Error',
        status,
        detail: detailOf(error),
        instance: request.originalUrl,
      };
    }
    this.logger.error({ err: error, correlationId: request.id }, 'unhandled error');
    return {
      type: 'internal',
      title: STATUS_CODES[HttpStatus.INTERNAL_SERVER_ERROR]!,
      status: HttpStatus.INTERNAL_SERVER_ERROR,
      detail: `an unexpected error occurred (correlation id ${request.id ?? 'unknown'})`,
      instance: request.originalUrl,
    };
  }
}

function detailOf(error: HttpException): string {
  const body = error.getResponse();
  if (typeof body === 'string') return body;
  const message = (body as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : error.message;
}
