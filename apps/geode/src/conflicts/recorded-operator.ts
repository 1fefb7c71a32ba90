import { authenticatedOperator } from '@geode/operator-auth';
import { ProblemException } from '@geode/problem-details';

/**
 * Who an operator act (a resolution, a home move) is recorded as: the name
 * of the operator token, never what the body says (ADR 0014). A body that
 * still names an operator must name that one: recording someone else than
 * the caller believes would falsify the audit trail silently.
 */
export function recordedOperator(request: unknown, claimed: unknown): string {
  const { name } = authenticatedOperator(request);
  if (
    claimed !== undefined &&
    claimed !== null &&
    (typeof claimed !== 'string' || claimed.trim() !== name)
  )
    throw new ProblemException(
      400,
      'validation',
      `operator is taken from the operator token: omit it, or name the authenticated operator ${name}`,
      { field: 'operator' },
    );
  return name;
}
