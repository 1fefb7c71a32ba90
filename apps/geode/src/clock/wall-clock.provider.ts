import { systemWallClock, type WallClock } from '@geode/clock';

/** DI token of the wall clock handlers read time from (tests inject a manual one). */
export const WALL_CLOCK = Symbol('WALL_CLOCK');
export type WallClockPort = WallClock;

export const wallClockProvider = { provide: WALL_CLOCK, useValue: systemWallClock };
