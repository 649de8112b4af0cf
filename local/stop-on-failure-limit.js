'use strict';
/**
 * Drop-in replacement for p-limit@3 used by aws-local-stepfunctions' Map and
 * Parallel states. Step Functions stops starting a Map's queued iterations as
 * soon as one iteration fails; p-limit would still start them. Once any job of
 * this limiter rejects, queued jobs are rejected with the same error instead of
 * being started, so a local run takes exactly the steps AWS would.
 */
function stopOnFailureLimit(concurrency) {
  if (!((Number.isInteger(concurrency) || concurrency === Infinity) && concurrency > 0)) {
    throw new TypeError('Expected `concurrency` to be a number from 1 and up');
  }
  const queue = [];
  let activeCount = 0;
  let failure;

  const next = () => {
    activeCount--;
    const job = queue.shift();
    if (job) job();
  };

  const run = async (fn, resolve, reject, args) => {
    if (failure) {
      // Never started: no slot was taken, so hand straight on to the next job.
      reject(failure.error);
      const job = queue.shift();
      if (job) job();
      return;
    }
    activeCount++;
    try {
      resolve(await fn(...args));
    } catch (error) {
      if (!failure) failure = { error };
      reject(error);
    }
    next();
  };

  const enqueue = (fn, resolve, reject, args) => {
    queue.push(() => {
      run(fn, resolve, reject, args);
    });
    (async () => {
      await Promise.resolve();
      if (activeCount < concurrency && queue.length > 0) {
        const job = queue.shift();
        if (job) job();
      }
    })();
  };

  const generator = (fn, ...args) =>
    new Promise((resolve, reject) => {
      enqueue(fn, resolve, reject, args);
    });

  Object.defineProperties(generator, {
    activeCount: { get: () => activeCount },
    pendingCount: { get: () => queue.length },
    clearQueue: { value: () => { queue.length = 0; } },
  });
  return generator;
}

module.exports = stopOnFailureLimit;
module.exports.default = stopOnFailureLimit;
