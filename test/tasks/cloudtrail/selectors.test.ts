import type { AdvancedEventSelector, EventSelector } from '@aws-sdk/client-cloudtrail';
import { PreconditionFailedError } from '../../../tasks/lib/errors';
import {
  OUR_SELECTOR_NAME, droppedSelectors, mergeSelectors, missingTargets, partitionOf, selectorStateOf, type SelectorState,
} from '../../../tasks/cloudtrail/lib/selectors';

const basic = (...s: EventSelector[]): SelectorState => selectorStateOf(s, []);
const advanced = (...s: AdvancedEventSelector[]): SelectorState => selectorStateOf([], s);
const S3 = 'AWS::S3::Object';
const writeOnlyManagement: EventSelector = { ReadWriteType: 'WriteOnly', IncludeManagementEvents: true, ExcludeManagementEventSources: ['kms.amazonaws.com'], DataResources: [] };
const management: AdvancedEventSelector = { Name: 'management', FieldSelectors: [{ Field: 'eventCategory', Equals: ['Management'] }] };
const s3Advanced = (name: string, prefixes?: string[]): AdvancedEventSelector => ({
  Name: name,
  FieldSelectors: [
    { Field: 'eventCategory', Equals: ['Data'] }, { Field: 'resources.type', Equals: [S3] },
    ...(prefixes ? [{ Field: 'resources.ARN', StartsWith: prefixes }] : []),
  ],
});

describe('basic selectors', () => {
  it('a trail without selectors gets CloudTrail\'s default selector with our data resources', () => {
    const merge = mergeSelectors(basic(), ['logs-a'], 'aws');

    expect(merge.changed).toBe(true);
    expect(merge.after.eventSelectors).toEqual([
      { ReadWriteType: 'All', IncludeManagementEvents: true, ExcludeManagementEventSources: [], DataResources: [{ Type: S3, Values: ['arn:aws:s3:::logs-a/'] }] },
    ]);
  });

  it('adds our buckets to the read-write selector beside its own, keeping its management settings', () => {
    const existing = { ReadWriteType: 'All' as const, IncludeManagementEvents: false, ExcludeManagementEventSources: ['rdsdata.amazonaws.com'],
      DataResources: [{ Type: S3, Values: ['arn:aws:s3:::old/'] }, { Type: 'AWS::Lambda::Function', Values: ['arn:aws:lambda'] }] };

    const merge = mergeSelectors(basic(existing), ['new-a', 'old'], 'aws');

    expect(merge.added).toEqual(['arn:aws:s3:::new-a/']);
    expect(merge.after.eventSelectors).toEqual([{ ...existing, DataResources: [{ Type: S3, Values: ['arn:aws:s3:::old/', 'arn:aws:s3:::new-a/'] }, existing.DataResources[1]] }]);
    expect(droppedSelectors(merge.before, merge.after)).toEqual([]);
  });

  it('a write-only trail keeps its selector as it is; ours is a new read-write selector without management events', () => {
    const merge = mergeSelectors(basic(writeOnlyManagement), 'all', 'aws');

    expect(merge.after.eventSelectors).toEqual([
      writeOnlyManagement,
      { ReadWriteType: 'All', IncludeManagementEvents: false, ExcludeManagementEventSources: [], DataResources: [{ Type: S3, Values: ['arn:aws:s3'] }] },
    ]);
  });

  it('already-present selectors change nothing: exact prefix, or the all-buckets value', () => {
    const exact = basic({ ReadWriteType: 'All', IncludeManagementEvents: true, DataResources: [{ Type: S3, Values: ['arn:aws:s3:::a/'] }] });
    const all = basic({ ReadWriteType: 'All', IncludeManagementEvents: true, DataResources: [{ Type: S3, Values: ['arn:aws:s3'] }] });

    expect(mergeSelectors(exact, ['a'], 'aws')).toMatchObject({ changed: false, added: [], after: exact });
    expect(mergeSelectors(all, ['a', 'b'], 'aws')).toMatchObject({ changed: false, added: [], after: all });
    expect(mergeSelectors(exact, [], 'aws').changed).toBe(false);
  });

  it('a read-only selector does not cover a bucket (writes would be missed)', () => {
    const readOnly = basic({ ReadWriteType: 'ReadOnly', IncludeManagementEvents: true, DataResources: [{ Type: S3, Values: ['arn:aws:s3:::a/'] }] });

    expect(missingTargets(readOnly, ['a'], 'aws')).toEqual(['arn:aws:s3:::a/']);
  });

  it('refuses a sixth selector rather than dropping one', () => {
    const five = basic(...Array.from({ length: 5 }, () => writeOnlyManagement));

    expect(() => mergeSelectors(five, ['a'], 'aws')).toThrow(PreconditionFailedError);
  });

  it('notices a dropped data resource or changed management setting', () => {
    const before = basic({ ReadWriteType: 'All', IncludeManagementEvents: true, DataResources: [{ Type: S3, Values: ['arn:aws:s3:::a/'] }] });

    expect(droppedSelectors(before, basic({ ReadWriteType: 'All', IncludeManagementEvents: true, DataResources: [] }))).toHaveLength(1);
    expect(droppedSelectors(before, basic({ ReadWriteType: 'All', IncludeManagementEvents: false, DataResources: [{ Type: S3, Values: ['arn:aws:s3:::a/'] }] }))).toHaveLength(1);
    expect(droppedSelectors(before, advanced(management))).toEqual(['the trail switched from basic to advanced event selectors']);
  });
});

describe('advanced selectors', () => {
  it('keeps every existing selector and adds ours as an advanced one', () => {
    const merge = mergeSelectors(advanced(management), ['a', 'b'], 'aws');

    expect(merge.after.style).toBe('advanced');
    expect(merge.after.eventSelectors).toEqual([]);
    expect(merge.after.advancedEventSelectors).toEqual([management, s3Advanced(OUR_SELECTOR_NAME, ['arn:aws:s3:::a/', 'arn:aws:s3:::b/'])]);
    expect(droppedSelectors(merge.before, merge.after)).toEqual([]);
  });

  it('"all" adds a selector without an ARN filter', () => {
    expect(mergeSelectors(advanced(management), 'all', 'aws').after.advancedEventSelectors[1]).toEqual(s3Advanced(OUR_SELECTOR_NAME));
  });

  it('already covered (by prefix, or by an all-objects selector) changes nothing', () => {
    expect(mergeSelectors(advanced(management, s3Advanced('mine', ['arn:aws:s3:::a/'])), ['a'], 'aws').changed).toBe(false);
    expect(mergeSelectors(advanced(s3Advanced('everything')), ['a', 'b'], 'aws').changed).toBe(false);
    expect(mergeSelectors(advanced(s3Advanced('everything')), 'all', 'aws').changed).toBe(false);
  });

  it('a selector narrowed by another field (read-only events) does not count as covering', () => {
    const readOnly: AdvancedEventSelector = { Name: 'reads', FieldSelectors: [...s3Advanced('x').FieldSelectors!, { Field: 'readOnly', Equals: ['true'] }] };

    expect(missingTargets(advanced(readOnly), ['a'], 'aws')).toEqual(['arn:aws:s3:::a/']);
  });

  it('notices a removed or altered selector, and a switch to basic', () => {
    const before = advanced(management, s3Advanced('mine', ['arn:aws:s3:::a/']));

    expect(droppedSelectors(before, advanced(management))).toEqual(['advanced selector mine']);
    expect(droppedSelectors(before, basic(writeOnlyManagement))).toEqual(['the trail switched from advanced to basic event selectors']);
  });
});

it('uses the partition of the region', () => {
  expect([partitionOf('us-east-1'), partitionOf('cn-north-1'), partitionOf('us-gov-west-1')]).toEqual(['aws', 'aws-cn', 'aws-us-gov']);
  expect(mergeSelectors(basic(), ['a'], 'aws-cn').added).toEqual(['arn:aws-cn:s3:::a/']);
});
