type Limit = (<T>(fn: (...args: unknown[]) => Promise<T> | T, ...args: unknown[]) => Promise<T>) & {
  readonly activeCount: number;
  readonly pendingCount: number;
  clearQueue: () => void;
};
declare function stopOnFailureLimit(concurrency: number): Limit;
export default stopOnFailureLimit;
