import type { AdvancedEventSelector, AdvancedFieldSelector, DataResource, EventSelector } from '@aws-sdk/client-cloudtrail';
import { PreconditionFailedError } from '../../lib/errors';
import type { DataEventBuckets } from './schema';

/**
 * Pure merge logic for a trail's event selectors. A trail uses either basic EventSelectors or
 * AdvancedEventSelectors, never both (CloudTrail refuses the mix): ours are added in the style the
 * trail already uses, and everything the trail had is kept as it was.
 */
export interface SelectorState {
  style: 'basic' | 'advanced';
  eventSelectors: EventSelector[];
  advancedEventSelectors: AdvancedEventSelector[];
}

export interface SelectorMerge {
  before: SelectorState;
  after: SelectorState;
  /** The ARN prefixes (or the all-buckets value) that were missing and are added. */
  added: string[];
  changed: boolean;
}

const S3_OBJECT = 'AWS::S3::Object';
/** CloudTrail's basic selector allows at most five selectors per trail. */
const MAX_BASIC_SELECTORS = 5;
export const OUR_SELECTOR_NAME = 'S3 data events (remediation)';

export const partitionOf = (region: string): string =>
  region.startsWith('cn-') ? 'aws-cn' : region.startsWith('us-gov-') ? 'aws-us-gov' : 'aws';
/** Basic selectors: this value logs every current and future bucket's objects. */
export const allBucketsValue = (partition: string): string => `arn:${partition}:s3`;
export const bucketPrefix = (partition: string, bucket: string): string => `arn:${partition}:s3:::${bucket}/`;

export function selectorStateOf(eventSelectors: EventSelector[] | undefined, advanced: AdvancedEventSelector[] | undefined): SelectorState {
  const advancedEventSelectors = (advanced ?? []).map(normalizeAdvanced);
  return {
    style: advancedEventSelectors.length > 0 ? 'advanced' : 'basic',
    eventSelectors: advancedEventSelectors.length > 0 ? [] : (eventSelectors ?? []).map(normalizeBasic),
    advancedEventSelectors,
  };
}

function normalizeBasic(s: EventSelector): EventSelector {
  return {
    ReadWriteType: s.ReadWriteType ?? 'All',
    IncludeManagementEvents: s.IncludeManagementEvents ?? true,
    DataResources: (s.DataResources ?? []).map((d) => ({ Type: d.Type, Values: [...(d.Values ?? [])] })),
    ExcludeManagementEventSources: [...(s.ExcludeManagementEventSources ?? [])],
  };
}

function normalizeAdvanced(s: AdvancedEventSelector): AdvancedEventSelector {
  const fields = (s.FieldSelectors ?? []).map((f) => {
    const copy: AdvancedFieldSelector = { Field: f.Field };
    for (const key of ['Equals', 'StartsWith', 'EndsWith', 'NotEquals', 'NotStartsWith', 'NotEndsWith'] as const) {
      if (f[key] && f[key].length > 0) copy[key] = [...f[key]];
    }
    return copy;
  });
  return { ...(s.Name ? { Name: s.Name } : {}), FieldSelectors: fields };
}

/** What must be covered: the all-buckets value, or one object prefix per bucket. */
export function wantedTargets(wanted: DataEventBuckets, partition: string): string[] {
  if (wanted === undefined) return [];
  return wanted === 'all' ? [allBucketsValue(partition)] : wanted.map((b) => bucketPrefix(partition, b));
}

const coversAll = (value: string, partition: string) => value === allBucketsValue(partition) || value === `arn:${partition}:s3:::`;

/** A basic selector logs reads and writes of the target's objects. */
function basicCovers(selectors: EventSelector[], target: string, partition: string): boolean {
  return selectors.some((s) => (s.ReadWriteType ?? 'All') === 'All' && (s.DataResources ?? []).some((d) =>
    d.Type === S3_OBJECT && (d.Values ?? []).some((v) => v === target || coversAll(v, partition))));
}

/** An advanced selector that selects exactly S3 object data events (all of them, or by ARN prefix) and nothing narrower. */
function advancedCovers(selectors: AdvancedEventSelector[], target: string, partition: string): boolean {
  return selectors.some((s) => {
    const fields = s.FieldSelectors ?? [];
    const field = (name: string) => fields.find((f) => f.Field === name);
    const only = (f: AdvancedFieldSelector | undefined, value: string) =>
      f?.Equals?.length === 1 && f.Equals[0] === value && Object.keys(f).every((k) => k === 'Field' || k === 'Equals');
    if (!only(field('eventCategory'), 'Data') || !only(field('resources.type'), S3_OBJECT)) return false;
    const arn = field('resources.ARN');
    if (fields.some((f) => !['eventCategory', 'resources.type', 'resources.ARN'].includes(f.Field ?? ''))) return false;
    if (!arn) return true;
    const onlyStartsWith = Object.keys(arn).every((k) => k === 'Field' || k === 'StartsWith');
    return onlyStartsWith && (arn.StartsWith ?? []).some((v) => v === target || v === `arn:${partition}:s3:::`);
  });
}

export function missingTargets(state: SelectorState, wanted: DataEventBuckets, partition: string): string[] {
  return wantedTargets(wanted, partition).filter((t) => (state.style === 'advanced'
    ? !advancedCovers(state.advancedEventSelectors, t, partition)
    : !basicCovers(state.eventSelectors, t, partition)));
}

const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** The trail's selectors with ours added, in the trail's own style; unchanged when everything asked is covered. */
export function mergeSelectors(before: SelectorState, wanted: DataEventBuckets, partition: string): SelectorMerge {
  const added = missingTargets(before, wanted, partition);
  const after = clone(before);
  if (added.length === 0) return { before, after, added, changed: false };
  if (before.style === 'advanced') {
    const all = added.includes(allBucketsValue(partition));
    after.advancedEventSelectors.push({
      Name: OUR_SELECTOR_NAME,
      FieldSelectors: [
        { Field: 'eventCategory', Equals: ['Data'] },
        { Field: 'resources.type', Equals: [S3_OBJECT] },
        ...(all ? [] : [{ Field: 'resources.ARN', StartsWith: added }]),
      ],
    });
    return { before, after, added, changed: true };
  }
  const readWrite = after.eventSelectors.find((s) => (s.ReadWriteType ?? 'All') === 'All');
  if (readWrite) {
    readWrite.DataResources ??= [];
    const objects = readWrite.DataResources.find((d) => d.Type === S3_OBJECT);
    if (objects) objects.Values = [...(objects.Values ?? []), ...added];
    else readWrite.DataResources.push({ Type: S3_OBJECT, Values: added });
  } else if (after.eventSelectors.length >= MAX_BASIC_SELECTORS) {
    throw new PreconditionFailedError(`the trail already has ${MAX_BASIC_SELECTORS} event selectors, none logging reads and writes; add S3 data events to one of them by hand`);
  } else {
    // No selector yet is CloudTrail's default (management events, reads and writes); otherwise management
    // logging stays exactly as the existing selectors set it.
    const isDefault = after.eventSelectors.length === 0;
    after.eventSelectors.push({
      ReadWriteType: 'All',
      IncludeManagementEvents: isDefault,
      DataResources: [{ Type: S3_OBJECT, Values: added }],
      ExcludeManagementEventSources: [],
    });
  }
  return { before, after, added, changed: true };
}

const sameSet = (a: string[] | undefined, b: string[] | undefined) =>
  JSON.stringify([...(a ?? [])].sort()) === JSON.stringify([...(b ?? [])].sort());
const superset = (bigger: DataResource[] | undefined, smaller: DataResource[] | undefined) =>
  (smaller ?? []).every((d) => (bigger ?? []).some((b) => b.Type === d.Type && (d.Values ?? []).every((v) => (b.Values ?? []).includes(v))));
const canonical = (s: AdvancedEventSelector) => JSON.stringify(normalizeAdvanced(s));

/** What of `before` is missing from `after`: management settings and data resources (basic), whole selectors (advanced). */
export function droppedSelectors(before: SelectorState, after: SelectorState): string[] {
  if (before.style === 'advanced') {
    if (after.style !== 'advanced') return ['the trail switched from advanced to basic event selectors'];
    const kept = new Set(after.advancedEventSelectors.map(canonical));
    return before.advancedEventSelectors.filter((s) => !kept.has(canonical(s))).map((s) => `advanced selector ${s.Name ?? JSON.stringify(s.FieldSelectors)}`);
  }
  if (before.eventSelectors.length > 0 && after.style !== 'basic') return ['the trail switched from basic to advanced event selectors'];
  return before.eventSelectors.filter((b) => !after.eventSelectors.some((a) =>
    a.ReadWriteType === b.ReadWriteType && a.IncludeManagementEvents === b.IncludeManagementEvents &&
    sameSet(a.ExcludeManagementEventSources, b.ExcludeManagementEventSources) && superset(a.DataResources, b.DataResources)))
    .map((s) => `event selector ${s.ReadWriteType}/${s.IncludeManagementEvents ? 'management' : 'no management'} with its data resources`);
}
