import { SEQUENCES, downtime, listPages, stepFunctionsCost, type VerifyPlacement } from '../../bench/downtime-model';

const SIZES = [8, 100, 1024, 16 * 1024];
const CHURNS = [0.001, 0.01, 0.1];
const PLACEMENTS: VerifyPlacement[] = ['in-window', 'moved-out'];

describe('downtime model', () => {
  it.each(SEQUENCES.flatMap((s) => PLACEMENTS.map((p) => [s, p] as const)))('%s (verify %s): a bigger volume or more churn never means less downtime', (sequence, placement) => {
    let compared = 0;
    for (const churn of CHURNS) {
      for (let i = 1; i < SIZES.length; i++) {
        const smaller = downtime(sequence, SIZES[i - 1] as number, churn, placement);
        const bigger = downtime(sequence, SIZES[i] as number, churn, placement);
        expect(bigger.windowSeconds).toBeGreaterThanOrEqual(smaller.windowSeconds);
        expect(bigger.backgroundSeconds).toBeGreaterThan(smaller.backgroundSeconds);
        expect(bigger.windowCalls).toBeGreaterThanOrEqual(smaller.windowCalls);
        compared++;
      }
    }
    for (const size of SIZES) {
      for (let i = 1; i < CHURNS.length; i++) {
        expect(downtime(sequence, size, CHURNS[i] as number, placement).windowSeconds)
          .toBeGreaterThanOrEqual(downtime(sequence, size, CHURNS[i - 1] as number, placement).windowSeconds);
        compared++;
      }
    }
    expect(compared).toBe(CHURNS.length * (SIZES.length - 1) + SIZES.length * (CHURNS.length - 1));
  });

  it('volume-copy: the window is the same for every size and churn; only the background initialization grows', () => {
    const windows = SIZES.flatMap((size) => CHURNS.map((churn) => downtime('volume-copy', size, churn)));
    expect(windows).toHaveLength(SIZES.length * CHURNS.length);
    expect(new Set(windows.map((d) => d.windowSeconds)).size).toBe(1);
    expect(new Set(windows.map((d) => d.windowCalls)).size).toBe(1);
    expect(windows.map((d) => d.windowPages)).toEqual(windows.map(() => 0));
    expect(downtime('volume-copy', 16 * 1024, 0.01).backgroundSeconds).toBeGreaterThan(downtime('volume-copy', 8, 0.01).backgroundSeconds);
  });

  it('copy and direct move only the churn while stopped: at 16 TiB they stop for less than stop-first, which moves it all', () => {
    for (const churn of CHURNS) {
      const stopFirst = downtime('stop-first', 16 * 1024, churn).windowSeconds;
      expect(downtime('copy', 16 * 1024, churn, 'moved-out').windowSeconds).toBeLessThan(stopFirst);
      expect(downtime('direct', 16 * 1024, churn).windowSeconds).toBeLessThan(stopFirst);
    }
  });

  it('ListSnapshotBlocks pages: 512 KiB blocks, 10,000 a page', () => {
    expect(listPages(8)).toBe(2);
    expect(listPages(100)).toBe(21);
    expect(listPages(16 * 1024)).toBe(3356);
    // Copy compares the source and the copy: two full listings in the window, or two of the changed blocks once moved out.
    expect(downtime('copy', 1024, 0.01, 'in-window').windowPages).toBe(2 * listPages(1024));
    expect(downtime('copy', 1024, 0.01, 'moved-out').windowPages).toBe(2 * listPages(1024 * 0.01));
    expect(downtime('copy', 1024, 0.01, 'moved-out').steps.filter((s) => s.phase === 'before' && s.step.startsWith('block comparison')).map((s) => s.calls))
      .toEqual([2 * listPages(1024)]);
    // Direct has no encrypted copy to compare (verify-swap skips it).
    expect(downtime('direct', 1024, 0.01).windowPages).toBe(0);
  });

  it('moving block comparison out of the window never lengthens it', () => {
    for (const size of SIZES) {
      for (const churn of CHURNS) {
        expect(downtime('copy', size, churn, 'moved-out').windowSeconds).toBeLessThanOrEqual(downtime('copy', size, churn, 'in-window').windowSeconds);
      }
    }
    expect(downtime('copy', 16 * 1024, 0.01, 'moved-out').windowSeconds).toBeLessThan(downtime('copy', 16 * 1024, 0.01, 'in-window').windowSeconds);
  });

  it('Step Functions cost at $0.025 per 1,000 transitions', () => {
    expect(stepFunctionsCost(1000)).toBeCloseTo(0.025, 10);
    expect(stepFunctionsCost(40)).toBeCloseTo(0.001, 10);
  });
});
