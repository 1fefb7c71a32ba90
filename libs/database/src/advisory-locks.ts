/**
 * Every advisory lock key Geode takes, in one place so that no two kinds of
 * work ever share a key by accident. Keys are 64-bit; the high 32 bits say
 * what the lock guards ("GEOD" in ASCII, then a kind).
 */
export const AdvisoryLock = {
  migrations: 0x47454f44_0001n,
  /** One sequencer per region (per database). */
  sequencer: 0x47454f44_0002n,
} as const;
