/** DI token of the process's `ProjectionPlatform` (the admin API and lifecycle use it). */
export const PROJECTION_PLATFORM = Symbol('PROJECTION_PLATFORM');
