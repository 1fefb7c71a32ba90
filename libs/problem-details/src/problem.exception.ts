import { HttpException } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import type { ProblemBody, ProblemExtensions } from './problem-details';

/** An HTTP-layer refusal with its problem type, raised where no domain error fits. */
export class ProblemException extends HttpException {
  constructor(status: number, type: string, detail: string, extensions: ProblemExtensions = {}) {
    super({ ...extensions, type, title: STATUS_CODES[status] ?? 'Error', status, detail }, status);
  }

  problem(): ProblemBody {
    return this.getResponse() as ProblemBody;
  }
}
