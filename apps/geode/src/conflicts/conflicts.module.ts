import { Module } from '@nestjs/common';
import { accountMergePolicy } from '@geode/ledger';
import { GEODE_CONFIG } from '../config/geode-config.provider';
import type { GeodeConfig } from '../config/geode-config';
import { ConflictRepository } from './conflict-repository';
import { ConflictResolution } from './conflict-resolution';
import { ConflictsController } from './conflicts.controller';
import { ForkDetectorProjection } from './fork-detector.projection';
import { HomeMoves } from './home-moves';
import { HomeMovesController } from './home-moves.controller';
import { MergeFence } from './merge-fence';
import { MergeMetrics } from './merge-metrics';
import { MERGE_POLICIES } from './merge-policies';
import { Merger } from './merger';

/**
 * Forks and merges in a geode (issue #7, ADR 0012): the fork detector
 * (a projection), the merger (a worker for streams homed here), the conflict
 * queue's API. The merge policies are the domain modules' (the ledger's).
 */
@Module({
  controllers: [ConflictsController, HomeMovesController],
  providers: [
    {
      provide: MERGE_POLICIES,
      inject: [GEODE_CONFIG],
      useFactory: ({ ledgerMerges }: GeodeConfig) => [
        accountMergePolicy({
          overdraftCompensation:
            ledgerMerges.overdraftFee === null
              ? { kind: 'flag-for-review' }
              : { kind: 'fee', amount: ledgerMerges.overdraftFee },
          resolverVersion: ledgerMerges.resolverVersion,
        }),
      ],
    },
    ForkDetectorProjection,
    ConflictRepository,
    ConflictResolution,
    MergeMetrics,
    MergeFence,
    Merger,
    HomeMoves,
  ],
  exports: [ForkDetectorProjection, ConflictRepository, ConflictResolution, MERGE_POLICIES, Merger],
})
export class ConflictsModule {}
