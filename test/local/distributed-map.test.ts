import { LOCAL_DISTRIBUTED_MAP_RESOURCE, LOCAL_DISTRIBUTED_MAP_TIMEOUT_SECONDS, withEmulatedDistributedMaps } from '../../local/distributed-map';

describe('withEmulatedDistributedMaps', () => {
  const map = {
    Type: 'Map', Next: 'Summarize', ResultPath: '$.mapRun', Label: 'Fleet', MaxConcurrencyPath: '$.max',
    ItemReader: { Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: { InputType: 'JSON' }, Parameters: { Bucket: 'b', 'Key.$': '$.key' } },
    ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, StartAt: 'Child', States: { Child: { Type: 'Pass', End: true } } },
  };
  const inline = { Type: 'Map', End: true, ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: 'P', States: { P: { Type: 'Pass', End: true } } } };

  it('replaces a DISTRIBUTED Map by a local Task that keeps its transitions and paths, with no 60 s default timeout', () => {
    // GIVEN a definition with a DISTRIBUTED Map before another state
    const definition = { StartAt: 'FleetMap', States: { FleetMap: map, Summarize: inline } };

    // WHEN it is prepared for the local runner
    const { definition: runnable, maps } = withEmulatedDistributedMaps(definition);

    // THEN the Map is a Task bound to the emulation, whose timeout is the largest a Node timer holds (not the Task default of 60 s)
    expect((runnable.States as Record<string, unknown>).FleetMap).toEqual({
      Type: 'Task', Resource: LOCAL_DISTRIBUTED_MAP_RESOURCE, Next: 'Summarize', ResultPath: '$.mapRun', TimeoutSeconds: 2147483,
    });
    expect(LOCAL_DISTRIBUTED_MAP_TIMEOUT_SECONDS * 1000).toBeLessThanOrEqual(2 ** 31 - 1);
    // and the INLINE Map stays as it was; the original Map is kept for the emulation
    expect((runnable.States as Record<string, unknown>).Summarize).toBe(inline);
    expect(maps).toEqual({ FleetMap: map });
  });

  it('leaves a definition without DISTRIBUTED Maps as it is', () => {
    const definition = { StartAt: 'Inline', States: { Inline: inline } };
    expect(withEmulatedDistributedMaps(definition)).toEqual({ definition, maps: {} });
  });
});
