export { compareHlc, type Hlc } from './hlc';
export { ManualWallClock, systemWallClock, type WallClock } from './wall-clock';
export {
  CLOCK,
  ClockDriftError,
  HybridLogicalClock,
  type HybridLogicalClockOptions,
} from './hybrid-logical-clock';
