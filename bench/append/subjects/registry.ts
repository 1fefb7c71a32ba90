import type { AppendSubject } from './append-subject';

/**
 * The subjects of the append benchmark, in the order they run within a case
 * (rotated from case to case). Loaded on demand, each inside its own worker
 * process, so that one subject's libraries never load next to another's.
 */
export const appendSubjectLoaders: Readonly<Record<string, () => Promise<AppendSubject>>> = {
  geode: () => import('./geode.js').then((module) => module.geodeSubject),
  emmett: () => import('./emmett.js').then((module) => module.emmettSubject),
  ceiling: () => import('./ceiling.js').then((module) => module.ceilingSubject),
};

export const APPEND_SUBJECTS: readonly string[] = Object.keys(appendSubjectLoaders);

/**
 * Published defects of a subject's log reader. A readall that misses events
 * fails the run, unless the subject's reader is known (and cited here) to
 * miss them: then the row reports how many, and the run goes on.
 */
export const KNOWN_LOG_READER_DEFECTS: Readonly<Record<string, string>> = {
  emmett:
    'Emmett 0.42 pages its log by global position while ordering it by transaction id, so under ' +
    'concurrent appends it skips some events and repeats others (fixed upstream by ' +
    'event-driven-io/emmett#336)',
};
