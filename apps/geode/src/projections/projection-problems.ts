import { ProjectionError, ProjectionErrorCode } from '@geode/projections';
import type { ProblemMapper } from '@geode/problem-details';

const PROBLEMS: Record<ProjectionErrorCode, { status: number; type: string; title: string }> = {
  'unknown-projection': { status: 404, type: 'not-found', title: 'Not found' },
  'rebuild-running': { status: 409, type: 'rebuild-running', title: 'Rebuild running' },
  'invalid-checkpoint': { status: 400, type: 'validation', title: 'Invalid request' },
  'invalid-projection': { status: 500, type: 'internal', title: 'Internal Server Error' },
};

/** The projection platform's refusals as problem details. */
export const projectionProblems: ProblemMapper = (error) => {
  if (!(error instanceof ProjectionError)) return undefined;
  const problem = PROBLEMS[error.code];
  return { ...problem, detail: error.message };
};
