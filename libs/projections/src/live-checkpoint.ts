import type { LogCheckpoint } from '@geode/event-store';
import type { CheckpointMove } from './batch-applier';
import type { Projection } from './projection';
import { appliedMessage, PROGRESS_CHANNEL } from './progress-tracker';

/**
 * How a live batch moves the projection's checkpoint: compare-and-set from `expected`
 * (and the version the runner serves), so a batch whose checkpoint another runner, a
 * reset or a swap has moved writes nothing.
 */
export function liveCheckpointMove(
  projection: Projection,
  expected: LogCheckpoint,
): CheckpointMove {
  return {
    claim: async (runner, to, _events, announce) => {
      const [{ moved }] = (await runner.query(
        `WITH moved AS (
           UPDATE geode_projections
              SET tx_id = $2::xid8, position = $3, status = 'running', last_error = NULL,
                  updated_at = now()
            WHERE name = $1 AND tx_id = $4::xid8 AND position = $5 AND version = $6
           RETURNING 1)
         SELECT EXISTS (SELECT 1 FROM moved) AS moved,
                CASE WHEN $7::boolean AND EXISTS (SELECT 1 FROM moved)
                     THEN pg_notify($8, $9) END AS announced`,
        [
          projection.name,
          to.txId,
          to.position,
          expected.txId,
          expected.position,
          projection.version,
          announce,
          PROGRESS_CHANNEL,
          appliedMessage(projection.name, to),
        ],
      )) as { moved: boolean }[];
      return moved;
    },
    announce: async (runner, reached) => {
      await runner.query('SELECT pg_notify($1, $2)', [
        PROGRESS_CHANNEL,
        appliedMessage(projection.name, reached),
      ]);
    },
    stopBefore: async (runner, to, _applied, error) => {
      const back = to ?? expected;
      await runner.query(
        `UPDATE geode_projections
            SET tx_id = $2::xid8, position = $3, status = 'failed', last_error = $4
          WHERE name = $1`,
        [projection.name, back.txId, back.position, error],
      );
    },
  };
}
