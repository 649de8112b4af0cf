import { judge } from '../../../tasks/expire/lib/judge';
import { retentionPassed } from '../../../tasks/expire/lib/due';
import { INSTANCE, KEPT_COPY, NOW, ORIGINAL, REPLACEMENT, attachedAt, retained, safeOriginal, snap, tags, vol } from './fixtures';

const reasons = (view: Parameters<typeof judge>[0]) => {
  const out = judge(view, NOW);
  return { delete: out.delete.map((d) => d.resourceId), refused: Object.fromEntries(out.refused.map((r) => [r.resourceId, r.reason])) };
};

describe('judge: an original volume', () => {
  it('goes when detached, its encrypted replacement in use where it went, and an encrypted copy of its data left; with why and its description', () => {
    const out = judge(safeOriginal(), NOW);

    expect(out.refused).toEqual([]);
    expect(out.delete).toEqual([{
      resourceId: ORIGINAL, resourceType: 'volume', kind: 'original-volume', retainUntil: '2026-02-01',
      why: `its replacement ${REPLACEMENT} is encrypted and in use at /dev/sdf of ${INSTANCE}; ${KEPT_COPY} keeps an encrypted copy of its data`,
      before: expect.objectContaining({ VolumeId: ORIGINAL, State: 'available', Tags: expect.arrayContaining([{ Key: 'remediation:replaced-by', Value: REPLACEMENT }]) }),
    }]);
  });

  it.each([
    ['attached', { original: { State: 'in-use' as const, Attachments: attachedAt(INSTANCE, '/dev/sdf') } }, `is in-use (attached to ${INSTANCE} at /dev/sdf): only a detached original is deleted`],
    ['its replacement missing', { replacement: { VolumeId: 'vol-0something0else01' } }, `its replacement ${REPLACEMENT} no longer exists`],
    ['its replacement unencrypted', { replacement: { Encrypted: false } }, `its replacement ${REPLACEMENT} is not encrypted`],
    ['its replacement detached', { replacement: { State: 'available' as const, Attachments: [] } }, `its replacement ${REPLACEMENT} is not in use at /dev/sdf of ${INSTANCE} (it is available)`],
    ['its replacement at another device', { replacement: { Attachments: attachedAt(INSTANCE, '/dev/sdg') } },
      `its replacement ${REPLACEMENT} is not in use at /dev/sdf of ${INSTANCE} (it is in-use (attached to ${INSTANCE} at /dev/sdg))`],
    ['its replacement on another instance', { replacement: { Attachments: attachedAt('i-0fedcba9876543210', '/dev/sdf') } },
      `its replacement ${REPLACEMENT} is not in use at /dev/sdf of ${INSTANCE} (it is in-use (attached to i-0fedcba9876543210 at /dev/sdf))`],
    ['no encrypted copy of its data', { copies: [snap(KEPT_COPY, { Encrypted: false, Tags: tags({ 'remediation:source-volume': ORIGINAL }) })] },
      `no encrypted snapshot of its data is left (remediation:source-volume=${ORIGINAL})`],
    ['its copy still pending', { copies: [snap(KEPT_COPY, { State: 'pending', Tags: tags({ 'remediation:source-volume': ORIGINAL }) })] },
      `no encrypted snapshot of its data is left (remediation:source-volume=${ORIGINAL})`],
    ['on hold', { original: { Tags: retained({ 'remediation:replaced-by': REPLACEMENT, 'remediation:replaced-on': `${INSTANCE}:/dev/sdf`, 'remediation:hold': 'TRUE' }) } },
      'tagged remediation:hold=true: kept until a person removes the hold'],
    ['excluded', { original: { Tags: retained({ 'remediation:replaced-by': REPLACEMENT, 'remediation:replaced-on': `${INSTANCE}:/dev/sdf`, 'remediation:exclude': 'true' }) } },
      'tagged remediation:exclude=true'],
    ['locked by another remediation', { original: { Tags: retained({ 'remediation:replaced-by': REPLACEMENT, 'remediation:replaced-on': `${INSTANCE}:/dev/sdf`, 'remediation:lock': 'encrypt-volumes-x' }) } },
      'held by the remediation encrypt-volumes-x (remediation:lock)'],
    ['without the device record (tagged before it existed)', { original: { Tags: retained({ 'remediation:replaced-by': REPLACEMENT }) } },
      'no remediation:replaced-on record of the instance and device its replacement was attached at'],
    ['not ours', { original: { Tags: tags({ 'remediation:retain-until': '2026-02-01', 'remediation:replaced-by': REPLACEMENT, 'remediation:replaced-on': `${INSTANCE}:/dev/sdf` }) } },
      'carries no remediation:workflow tag: not kept by a remediation, so not for this workflow to delete'],
    ['with a retain-until that is no date', { original: { Tags: retained({ 'remediation:retain-until': 'soon', 'remediation:replaced-by': REPLACEMENT }) } },
      'remediation:retain-until="soon" is not a date'],
  ])('is refused when %s', (_case, overrides, reason) => {
    expect(reasons(safeOriginal(overrides))).toEqual({ delete: [], refused: { [ORIGINAL]: reason } });
  });

  it('is not due while its retain-until day lasts, and is listed as such', () => {
    const view = safeOriginal({ original: { Tags: retained({ 'remediation:retain-until': '2026-03-01', 'remediation:replaced-by': REPLACEMENT }) } });

    expect(judge(view, NOW)).toEqual({ delete: [], refused: [], deferred: [], notYetDue: [{ resourceId: ORIGINAL, retainUntil: '2026-03-01' }] });
  });
});

describe('judge: snapshots', () => {
  const rolledBack = (id: string, source: string, overrides = {}) => snap(id, { Tags: retained({ 'remediation:rolled-back': 'true', 'remediation:source-volume': source }), ...overrides });

  it('all go when the volume they copy is in place again (a rollback put it back)', () => {
    const live = vol('vol-0live00000000001', 'in-use', { Attachments: attachedAt(INSTANCE, '/dev/xvda') });
    const a = rolledBack('snap-0a', live.VolumeId as string);
    const b = rolledBack('snap-0b', live.VolumeId as string);

    expect(reasons({ retainedVolumes: [], retainedSnapshots: [a, b], relatedVolumes: [live], lineageSnapshots: [a, b] })).toEqual({ delete: ['snap-0a', 'snap-0b'], refused: {} });
  });

  it('keep the newest encrypted copy of a volume that is gone, and let the older go', () => {
    const older = rolledBack('snap-0older', 'vol-0gone0000000001', { StartTime: new Date('2026-01-01T00:00:00Z') });
    const newer = rolledBack('snap-0newer', 'vol-0gone0000000001', { StartTime: new Date('2026-01-02T00:00:00Z') });

    expect(reasons({ retainedVolumes: [], retainedSnapshots: [older, newer], relatedVolumes: [], lineageSnapshots: [older, newer] })).toEqual({
      delete: ['snap-0older'],
      refused: { 'snap-0newer': 'the last encrypted copy of vol-0gone0000000001\'s data (vol-0gone0000000001 no longer exists; taken 2026-01-02T00:00:00.000Z): never deleted' },
    });
  });

  it('all go while an encrypted copy outside their number stays (the copy encrypt-volumes keeps); the original then still has its copy', () => {
    const view = safeOriginal();
    const due = rolledBack('snap-0due', ORIGINAL);
    view.retainedSnapshots.push(due);
    view.lineageSnapshots.push(due);

    expect(reasons(view)).toEqual({ delete: ['snap-0due', ORIGINAL], refused: {} });
  });

  it('never leave a retained original without an encrypted copy: the last one is kept and the original goes', () => {
    const view = safeOriginal({ copies: [] });
    const only = rolledBack('snap-0only', ORIGINAL);
    view.retainedSnapshots.push(only);
    view.lineageSnapshots.push(only);

    const out = reasons(view);

    expect(out.delete).toEqual([ORIGINAL]);
    expect(out.refused['snap-0only']).toMatch(new RegExp(`^the last encrypted copy of ${ORIGINAL}'s data \\(while ${ORIGINAL} is retained; `));
  });

  it.each([
    ['pending', { State: 'pending' as const }, 'is pending: still being created'],
    ['without a source volume', { Tags: retained({ 'remediation:rolled-back': 'true' }) }, 'carries no remediation:source-volume: whose data it holds is unknown'],
    ['forensic', { Tags: retained({ 'remediation:case': 'case-7', 'remediation:source-volume': ORIGINAL }) },
      'forensic snapshot of case case-7: its case is not closed (no remediation:case-closed); deleted only once close-case has closed it and its retention has passed'],
    ['unencrypted with no encrypted copy anywhere', { Encrypted: false }, 'no encrypted copy of vol-0gone0000000001\'s data would be left (vol-0gone0000000001 no longer exists)'],
  ])('are refused when %s', (_case, overrides, reason) => {
    const s = rolledBack('snap-0x', 'vol-0gone0000000001', overrides);

    expect(reasons({ retainedVolumes: [], retainedSnapshots: [s], relatedVolumes: [], lineageSnapshots: [s] })).toEqual({ delete: [], refused: { 'snap-0x': reason } });
  });

  it('go when they failed (state error): they hold no data', () => {
    const failed = rolledBack('snap-0failed', 'vol-0gone0000000001', { State: 'error' });

    expect(reasons({ retainedVolumes: [], retainedSnapshots: [failed], relatedVolumes: [], lineageSnapshots: [] })).toEqual({ delete: ['snap-0failed'], refused: {} });
  });
});

describe('judge: a forensic snapshot (isolate-instance)', () => {
  const CLOSED = '2026-01-15T10:00:00.000Z';
  const forensic = (id: string, t: Record<string, string>) => snap(id, {
    Tags: tags({ 'remediation:workflow': 'isolate-instance', 'remediation:execution': 'isolate-instance-i-1-x', 'remediation:case': 'case-7', ...t }),
  });

  it('is refused while its case is open, even long past its retain-until', () => {
    const s = forensic('snap-0open', { 'remediation:retain-until': '2025-01-01' });

    expect(reasons({ retainedVolumes: [], retainedSnapshots: [s], relatedVolumes: [], lineageSnapshots: [] })).toEqual({ delete: [], refused: {
      'snap-0open': 'forensic snapshot of case case-7: its case is not closed (no remediation:case-closed); deleted only once close-case has closed it and its retention has passed',
    } });
  });

  it('is refused while its case is open without any retain-until (as isolate-instance leaves it): listed, never taken for a bad date', () => {
    const s = forensic('snap-0fresh', {});

    const out = judge({ retainedVolumes: [], retainedSnapshots: [s], relatedVolumes: [], lineageSnapshots: [] }, NOW);

    expect([out.delete, out.notYetDue, out.refused]).toEqual([[], [], [{
      resourceId: 'snap-0fresh', resourceType: 'snapshot', kind: 'forensic-snapshot', retainUntil: '',
      reason: 'forensic snapshot of case case-7: its case is not closed (no remediation:case-closed); deleted only once close-case has closed it and its retention has passed',
    }]]);
  });

  it('goes once its case is closed and its retain-until has passed, with why and its description; not before; never on hold', () => {
    const closed = forensic('snap-0closed', { 'remediation:case-closed': CLOSED, 'remediation:retain-until': '2026-02-14' });
    const early = forensic('snap-0early', { 'remediation:case-closed': CLOSED, 'remediation:retain-until': '2026-03-15' });
    const held = forensic('snap-0held', { 'remediation:case-closed': CLOSED, 'remediation:retain-until': '2026-02-14', 'remediation:hold': 'true' });

    const out = judge({ retainedVolumes: [], retainedSnapshots: [closed, early, held], relatedVolumes: [], lineageSnapshots: [] }, NOW);

    expect(out.delete).toEqual([{
      resourceId: 'snap-0closed', resourceType: 'snapshot', kind: 'forensic-snapshot', retainUntil: '2026-02-14',
      why: `its case case-7 was closed at ${CLOSED} and its retention has passed`,
      before: expect.objectContaining({ SnapshotId: 'snap-0closed', Tags: expect.arrayContaining([{ Key: 'remediation:case-closed', Value: CLOSED }]) }),
    }]);
    expect(out.refused).toEqual([{ resourceId: 'snap-0held', resourceType: 'snapshot', kind: 'forensic-snapshot', retainUntil: '2026-02-14', reason: 'tagged remediation:hold=true: kept until a person removes the hold' }]);
    expect(out.notYetDue).toEqual([{ resourceId: 'snap-0early', retainUntil: '2026-03-15' }]);
  });
});

describe('judge: a rolled-back volume', () => {
  const kept = (id: string, source: string, overrides = {}) => vol(id, 'available', {
    Encrypted: true, Tags: retained({ 'remediation:rolled-back': 'true', 'remediation:source-volume': source }), ...overrides,
  });

  it('goes while the volume it was made from exists', () => {
    const source = vol('vol-0source000000001', 'in-use');
    const v = kept('vol-0kept0000000001', 'vol-0source000000001');

    expect(judge({ retainedVolumes: [v], retainedSnapshots: [], relatedVolumes: [source], lineageSnapshots: [] }, NOW).delete)
      .toEqual([expect.objectContaining({ resourceId: 'vol-0kept0000000001', kind: 'rolled-back-volume', why: 'vol-0source000000001, the volume it was made from, still holds its data' })]);
  });

  it('goes with its original when that goes with its replacement in place', () => {
    const view = safeOriginal();
    view.retainedVolumes.push(kept('vol-0kept0000000001', ORIGINAL));

    expect(judge(view, NOW).delete.map((d) => [d.resourceId, d.why])).toEqual([
      [ORIGINAL, `its replacement ${REPLACEMENT} is encrypted and in use at /dev/sdf of ${INSTANCE}; ${KEPT_COPY} keeps an encrypted copy of its data`],
      ['vol-0kept0000000001', `${ORIGINAL}'s replacement ${REPLACEMENT} holds its data`],
    ]);
  });

  it('is refused when attached (someone uses it), or when it is the only copy left of a volume that is gone; of two such, one goes', () => {
    const inUse = kept('vol-0inuse000000001', 'vol-0source000000001', { State: 'in-use', Attachments: attachedAt(INSTANCE, '/dev/sdz') });
    const a = kept('vol-0a00000000000001', 'vol-0gone0000000001');
    const b = kept('vol-0b00000000000001', 'vol-0gone0000000001');
    const lone = kept('vol-0lone00000000001', 'vol-0gone0000000002');

    expect(reasons({ retainedVolumes: [inUse, a, b, lone], retainedSnapshots: [], relatedVolumes: [vol('vol-0source000000001', 'in-use')], lineageSnapshots: [] })).toEqual({
      delete: ['vol-0a00000000000001'],
      refused: {
        'vol-0inuse000000001': `is in-use (attached to ${INSTANCE} at /dev/sdz): someone uses it`,
        'vol-0b00000000000001': 'the only copy left of vol-0gone0000000001\'s data',
        'vol-0lone00000000001': 'the only copy left of vol-0gone0000000002\'s data',
      },
    });
  });

  it('without rolled-back or replaced-by is refused: why it was kept is unknown', () => {
    const v = vol('vol-0odd00000000001', 'available', { Tags: retained() });

    expect(reasons({ retainedVolumes: [v], retainedSnapshots: [], relatedVolumes: [], lineageSnapshots: [] }).refused)
      .toEqual({ 'vol-0odd00000000001': 'neither remediation:replaced-by nor remediation:rolled-back=true: why it was kept is unknown' });
  });
});

describe('judge: limits', () => {
  it('deletes at most `max` in one run and defers the rest (by id) to the next', () => {
    const source = vol('vol-0source000000001', 'in-use');
    const volumes = [1, 2, 3].map((n) => vol(`vol-0kept000000000${n}`, 'available', { Tags: retained({ 'remediation:rolled-back': 'true', 'remediation:source-volume': 'vol-0source000000001' }) }));

    const out = judge({ retainedVolumes: volumes, retainedSnapshots: [], relatedVolumes: [source], lineageSnapshots: [] }, NOW, 2);

    expect([out.delete.map((d) => d.resourceId), out.deferred]).toEqual([['vol-0kept0000000001', 'vol-0kept0000000002'], ['vol-0kept0000000003']]);
  });
});

describe('retentionPassed', () => {
  it.each([
    ['2026-02-28', true], ['2026-03-01', false], ['2026-03-02', false],
    ['2026-03-01T11:59:59Z', true], ['2026-03-01T12:00:01Z', false], ['next week', undefined], ['', undefined], ['2026-13-45', undefined],
  ])('%s at 2026-03-01T12:00Z: %p', (value, passed) => {
    expect(retentionPassed(value, NOW)).toBe(passed);
  });
});
