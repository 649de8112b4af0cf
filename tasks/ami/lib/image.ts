import { paginateDescribeImages, type EC2Client, type Image, type Instance } from '@aws-sdk/client-ec2';
import { TAG, copyableTags, tagValue } from '../../lib/tags';
import type { ResourceTag } from '../../lib/types';
import { WORKFLOW } from '../../lib/workflow-names';

/** refresh-ami's own tag keys, besides the kit's (remediation:workflow, remediation:execution). */
export const AMI_TAG = {
  /** The image was taken without a reboot: crash-consistent (writes in flight are not in it). */
  noReboot: 'remediation:no-reboot',
  sourceInstance: 'remediation:source-instance',
} as const;

/** EC2 allows 50 tags per resource; ours take at most 4. */
const MAX_COPIED_TAGS = 46;

/**
 * `refresh-ami-<instance id>-<UTC yyyymmdd>` from the execution's start: deterministic, so a re-run on the same day
 * finds the image instead of making a second (names are unique per account and region), and within EC2's name
 * rules (3-128 characters: letters, digits, ( ) [ ] space . / - ' @ _).
 */
export function backupImageName(instanceId: string, startTime: string): string {
  return `${WORKFLOW.refreshAmi}-${instanceId}-${startTime.slice(0, 10).replace(/-/g, '')}`;
}

/** The image of this name owned by this account, if any (names are unique per account and region). */
export async function findOwnImageByName(ec2: EC2Client, name: string): Promise<Image | undefined> {
  for await (const page of paginateDescribeImages({ client: ec2 }, { Owners: ['self'], Filters: [{ Name: 'name', Values: [name] }], IncludeDeprecated: true })) {
    const image = page.Images?.[0];
    if (image) return image;
  }
  return undefined;
}

export const isOurImage = (image: Image): boolean => tagValue(image.Tags, TAG.workflow) === WORKFLOW.refreshAmi;

/** The instance's own tags (not aws:*, not ours), then our bookkeeping: what the image and each of its snapshots carry. */
export function imageTags(instance: Instance, executionName: string, noReboot: boolean): ResourceTag[] {
  return [
    ...copyableTags(instance.Tags).slice(0, MAX_COPIED_TAGS),
    { Key: TAG.workflow, Value: WORKFLOW.refreshAmi },
    { Key: TAG.execution, Value: executionName },
    { Key: AMI_TAG.sourceInstance, Value: instance.InstanceId as string },
    ...(noReboot ? [{ Key: AMI_TAG.noReboot, Value: 'true' }] : []),
  ];
}

/** The snapshots an image's block-device mapping names. */
export const snapshotIdsOf = (image: Image): string[] =>
  (image.BlockDeviceMappings ?? []).map((m) => m.Ebs?.SnapshotId).filter((id): id is string => Boolean(id));
