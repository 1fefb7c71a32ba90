/**
 * A hybrid logical clock timestamp (Kulkarni et al., 2014): the highest wall
 * time in ms seen so far, and a counter that orders events within that ms.
 */
export interface Hlc {
  wallMs: number;
  logical: number;
}

/** Total order on timestamps: by `wallMs`, then by `logical`. Returns -1, 0 or 1. */
export function compareHlc(a: Hlc, b: Hlc): number {
  if (a.wallMs !== b.wallMs) return a.wallMs < b.wallMs ? -1 : 1;
  if (a.logical !== b.logical) return a.logical < b.logical ? -1 : 1;
  return 0;
}
