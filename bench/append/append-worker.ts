import { serveWorkerRequests } from '../harness/worker-process';
import type { AppendWorkerRequest, AppendWorkerResponse } from './append-protocol';
import { runReadAll, runWriteCase } from './append-runner';
import type { AppendTarget } from './subjects/append-subject';
import { appendSubjectLoaders } from './subjects/registry';

/**
 * Worker process of one append subject (`node append-worker.js <subject>`):
 * creates the subject's schema, or opens its store and runs what the parent
 * sends, one request at a time; closes the store when the parent lets go.
 */
const subjectName = process.argv[2];
const loadSubject = appendSubjectLoaders[subjectName];
if (!loadSubject) throw new Error(`unknown append subject ${subjectName}`);

let target: AppendTarget | undefined;

function opened(): AppendTarget {
  if (!target) throw new Error(`${subjectName}: the store is not open`);
  return target;
}

serveWorkerRequests<AppendWorkerRequest, AppendWorkerResponse>(
  async (request) => {
    switch (request.kind) {
      case 'prepare':
        await (await loadSubject()).prepare(request.url);
        return null;
      case 'open':
        target = await (await loadSubject()).open(request.url, { poolSize: request.poolSize });
        return null;
      case 'write':
        return runWriteCase(opened(), request.case, request.warmupMs, request.measureMs);
      case 'readAll':
        return runReadAll(opened(), request);
      default: {
        const unknown: never = request;
        throw new Error(`unknown request ${JSON.stringify(unknown)}`);
      }
    }
  },
  async () => {
    await target?.close();
  },
);
