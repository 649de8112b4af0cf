import type { Snapshot, Tag, Volume } from '@aws-sdk/client-ec2';
import type { AccountView } from '../../../tasks/expire/lib/account';

export const NOW = new Date('2026-03-01T12:00:00.000Z');
export const INSTANCE = 'i-0123456789abcdef0';
export const ORIGINAL = 'vol-0aaaaaaaaaaaaaaa1';
export const REPLACEMENT = 'vol-0ccccccccccccccc1';
export const KEPT_COPY = 'snap-0kkkkkkkkkkkkkkk1';
export const EXECUTION = { name: 'expire-retained-account-20260301T120000Z', startTime: '2026-03-01T12:00:00.000Z' };

export const tags = (t: Record<string, string>): Tag[] => Object.entries(t).map(([Key, Value]) => ({ Key, Value }));
/** What every retained resource carries: ours, and a retention that passed. */
export const retained = (t: Record<string, string> = {}): Tag[] => tags({ 'remediation:workflow': 'encrypt-volumes', 'remediation:retain-until': '2026-02-01', ...t });

export const vol = (id: string, state: string, overrides: Partial<Volume> = {}): Volume => ({ VolumeId: id, State: state as Volume['State'], Encrypted: false, Size: 8, ...overrides });
export const attachedAt = (instanceId: string, device: string) => [{ InstanceId: instanceId, Device: device, State: 'attached' as const, VolumeId: 'x' }];
export const snap = (id: string, overrides: Partial<Snapshot> = {}): Snapshot => ({
  SnapshotId: id, State: 'completed', Encrypted: true, StartTime: new Date('2026-01-01T00:00:00.000Z'), ...overrides,
});

/** A detached original at /dev/sdf of INSTANCE, its encrypted replacement in use there, the kept encrypted copy: all safe. */
export function safeOriginal(overrides: { original?: Partial<Volume>; replacement?: Partial<Volume>; copies?: Snapshot[] } = {}): AccountView {
  const original = vol(ORIGINAL, 'available', {
    Tags: retained({ 'remediation:replaced-by': REPLACEMENT, 'remediation:replaced-on': `${INSTANCE}:/dev/sdf` }), ...overrides.original,
  });
  const replacement = vol(REPLACEMENT, 'in-use', { Encrypted: true, Attachments: attachedAt(INSTANCE, '/dev/sdf'), ...overrides.replacement });
  const copies = overrides.copies ?? [snap(KEPT_COPY, { Tags: tags({ 'remediation:workflow': 'encrypt-volumes', 'remediation:source-volume': ORIGINAL }) })];
  return { retainedVolumes: [original], retainedSnapshots: [], relatedVolumes: [original, replacement], lineageSnapshots: copies };
}
