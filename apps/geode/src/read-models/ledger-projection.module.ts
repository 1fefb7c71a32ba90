import { Global, Module } from '@nestjs/common';
import { PROJECTIONS } from '@geode/projections';
import { ConflictsModule } from '../conflicts/conflicts.module';
import { ForkDetectorProjection } from '../conflicts/fork-detector.projection';
import { LedgerProjection } from './ledger-projection';

/**
 * Hands the ledger projection and the fork detector (ADR 0012) to the projection platform, which runs what is
 * provided under `PROJECTIONS` (global, so the platform's module sees it).
 */
@Global()
@Module({
  imports: [ConflictsModule],
  providers: [
    LedgerProjection,
    {
      provide: PROJECTIONS,
      useFactory: (ledger: LedgerProjection, forks: ForkDetectorProjection) => [ledger, forks],
      inject: [LedgerProjection, ForkDetectorProjection],
    },
  ],
  exports: [PROJECTIONS, LedgerProjection, ConflictsModule],
})
export class LedgerProjectionModule {}
