/** Stable codes of the projection platform's refusals (mapped to problem types at the edge). */
export type ProjectionErrorCode =
  'unknown-projection' | 'rebuild-running' | 'invalid-checkpoint' | 'invalid-projection';

export class ProjectionError extends Error {
  override readonly name = 'ProjectionError';

  constructor(
    readonly code: ProjectionErrorCode,
    message: string,
  ) {
    super(message);
  }
}
