/**
 * Where an event stands in the canonical order every geode folds a stream in
 * (DESIGN.md §4): by HLC wall time, HLC logical counter, the dot's region, the
 * dot's counter. A total order consistent with causality. The shapes mirror
 * the event store's envelope without importing it: the domain stays pure.
 */
export interface CanonicalStamp {
  readonly hlc: Readonly<{ wallMs: number; logical: number }>;
  readonly dot: Readonly<{ region: string; n: number }>;
}

/** -1, 0 or 1. Regions compare by code unit, as PostgreSQL's "C" collation does. */
export function compareCanonicalOrder(a: CanonicalStamp, b: CanonicalStamp): number {
  return (
    compareNumbers(a.hlc.wallMs, b.hlc.wallMs) ||
    compareNumbers(a.hlc.logical, b.hlc.logical) ||
    compareText(a.dot.region, b.dot.region) ||
    compareNumbers(a.dot.n, b.dot.n)
  );
}

const WALL_DIGITS = 16; // Number.MAX_SAFE_INTEGER has 16 digits
const LOGICAL_DIGITS = 10; // a 32-bit counter
const COUNTER_DIGITS = 16;
/** Sorts below every character a region id may hold ([a-z0-9-]), so "eu" < "eu-west". */
const REGION_END = '!';
const REGION_ID = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/**
 * The canonical order as one text that sorts like `compareCanonicalOrder`
 * under byte ("C") collation: fixed-width numbers, the region closed by a
 * character below any region character. Read models store it to compare LWW
 * writes and to page in a stable order, the same in every region.
 */
export function canonicalOrderKey(stamp: CanonicalStamp): string {
  const { hlc, dot } = stamp;
  if (!REGION_ID.test(dot.region))
    throw new RangeError(`dot region ${dot.region} is not a region id`);
  return [
    digits(hlc.wallMs, WALL_DIGITS, 'hlc wall time'),
    '.',
    digits(hlc.logical, LOGICAL_DIGITS, 'hlc logical counter'),
    '.',
    dot.region,
    REGION_END,
    digits(dot.n, COUNTER_DIGITS, 'dot counter'),
  ].join('');
}

/** Whether `key` is a text `canonicalOrderKey` could have written (cursors come from clients). */
export function isCanonicalOrderKey(key: string): boolean {
  return /^\d{16}\.\d{10}\.[a-z][a-z0-9]*(-[a-z0-9]+)*!\d{16}$/.test(key);
}

function digits(value: number, width: number, what: string): string {
  if (!Number.isSafeInteger(value) || value < 0 || String(value).length > width)
    throw new RangeError(`${what} ${value} is not a whole number of at most ${width} digits`);
  return String(value).padStart(width, '0');
}

function compareNumbers(a: number, b: number): number {
  return a === b ? 0 : a < b ? -1 : 1;
}

function compareText(a: string, b: string): number {
  return a === b ? 0 : a < b ? -1 : 1;
}
