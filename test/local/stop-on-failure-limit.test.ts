import { StateMachine } from 'aws-local-stepfunctions';
import stopOnFailureLimit from '../../local/stop-on-failure-limit';

const mapDefinition = (maxConcurrency: number) => ({
  StartAt: 'EachItem',
  States: {
    EachItem: {
      Type: 'Map',
      MaxConcurrency: maxConcurrency,
      ItemProcessor: {
        ProcessorConfig: { Mode: 'INLINE' },
        StartAt: 'Work',
        States: { Work: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:Work', End: true } },
      },
      End: true,
    },
  },
});

describe('Map iterations behind MaxConcurrency', () => {
  it('are not started once an iteration has failed, as in Step Functions', async () => {
    // GIVEN a Map of 4 items, one at a time, whose second item fails
    const started: number[] = [];
    const work = async (item: unknown) => {
      started.push(item as number);
      if (item === 2) throw Object.assign(new Error('boom'), { name: 'WorkFailed' });
      return item as number;
    };

    // WHEN
    const execution = new StateMachine(mapDefinition(1) as never).run([1, 2, 3, 4] as never, {
      overrides: { taskResourceLocalHandlers: { Work: work as never } },
    });

    // THEN the Map fails with that error and items 3 and 4 never start
    await expect(execution.result).rejects.toThrow(/WorkFailed|boom/);
    await new Promise((r) => setTimeout(r, 50));
    expect(started).toEqual([1, 2]);
  });

  it('all run when none fails, never more at once than allowed', async () => {
    let running = 0;
    let peak = 0;
    const work = async (item: unknown) => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5));
      running -= 1;
      return item as number;
    };

    const result = await new StateMachine(mapDefinition(2) as never).run([1, 2, 3, 4, 5] as never, {
      overrides: { taskResourceLocalHandlers: { Work: work as never } },
    }).result;

    expect(result).toEqual([1, 2, 3, 4, 5]);
    expect(peak).toBe(2);
  });
});

describe('stopOnFailureLimit', () => {
  it('rejects queued jobs with the first failure instead of starting them', async () => {
    const limit = stopOnFailureLimit(1);
    const calls: string[] = [];
    const first = limit(async () => { calls.push('a'); throw new Error('first failed'); });
    const second = limit(async () => { calls.push('b'); return 'b'; });

    await expect(first).rejects.toThrow('first failed');
    await expect(second).rejects.toThrow('first failed');
    expect(calls).toEqual(['a']);
  });

  it('refuses a concurrency below 1', () => {
    expect(() => stopOnFailureLimit(0)).toThrow(TypeError);
  });
});
