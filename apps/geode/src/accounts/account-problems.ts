import { EventStoreError } from '@geode/event-store';
import { LedgerError, LedgerErrorCode } from '@geode/ledger';
import type { ProblemMapper } from '@geode/problem-details';

const LEDGER_STATUS: Record<LedgerErrorCode, number> = {
  validation: 400,
  'not-found': 404,
  'already-exists': 409,
  'insufficient-funds': 422,
  'account-frozen': 409,
  'account-closed': 409,
  'balance-not-zero': 409,
  'currency-mismatch': 422,
  'residency-violation': 409,
};

const STORE_PROBLEM: Record<string, { status: number; type: string }> = {
  'revision-conflict': { status: 409, type: 'revision-conflict' },
  'duplicate-event-id': { status: 409, type: 'duplicate-event-id' },
  'invalid-event': { status: 400, type: 'validation' },
  'invalid-stream-id': { status: 400, type: 'validation' },
  'invalid-expected-revision': { status: 400, type: 'validation' },
  'event-too-large': { status: 413, type: 'payload-too-large' },
  'unknown-dependency': { status: 400, type: 'validation' },
  'stream-deleted': { status: 410, type: 'stream-deleted' },
};

const TITLES: Record<string, string> = {
  validation: 'Invalid request',
  'not-found': 'Not found',
  'already-exists': 'Already exists',
  'insufficient-funds': 'Insufficient funds',
  'account-frozen': 'Account frozen',
  'account-closed': 'Account closed',
  'balance-not-zero': 'Balance not zero',
  'currency-mismatch': 'Currency mismatch',
  'residency-violation': 'Residency violation',
  'revision-conflict': 'Revision conflict',
  'duplicate-event-id': 'Duplicate event id',
  'payload-too-large': 'Payload too large',
  'stream-deleted': 'Stream deleted',
};

/** Ledger refusals and event store errors as problem details; codes are the problem types. */
export const accountProblems: ProblemMapper = (error) => {
  if (error instanceof LedgerError) {
    return {
      type: error.code,
      title: TITLES[error.code],
      status: LEDGER_STATUS[error.code],
      detail: error.message,
      ...error.details,
    };
  }
  if (error instanceof EventStoreError) {
    const mapped = STORE_PROBLEM[error.code];
    if (!mapped) return undefined;
    return {
      type: mapped.type,
      title: TITLES[mapped.type],
      status: mapped.status,
      detail: error.message,
    };
  }
  return undefined;
};
