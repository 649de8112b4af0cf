import { CreateImageCommand, CreateTagsCommand, DescribeImagesCommand, type CreateImageCommandInput, type EC2Client } from '@aws-sdk/client-ec2';
import type { AwsCall } from '../../tasks/lib/client-hooks';

/**
 * EC2 CreateImage as EC2 answers it, where moto (5.2) does not:
 * - a name an image of the account already has is refused with InvalidAMIName.Duplicate; moto makes a second image;
 * - TagSpecifications for `snapshot`: moto raises NotImplementedError (HTTP 500), EC2 tags each snapshot the image
 *   makes. Here moto creates the image with its image tags, and the snapshots its mapping names are tagged after.
 * Fixed upstream when moto's ec2/models/amis.py create_image checks names and no longer raises for `snapshot`.
 */
export async function createImage(ec2: EC2Client, call: AwsCall, refuse: (name: string, message: string) => Error): Promise<unknown> {
  const input = call.input as unknown as CreateImageCommandInput;
  const taken = (await ec2.send(new DescribeImagesCommand({ Owners: ['self'], Filters: [{ Name: 'name', Values: [input.Name ?? ''] }] }))).Images?.[0];
  if (taken) throw refuse('InvalidAMIName.Duplicate', `AMI name ${input.Name} is already in use by AMI ${taken.ImageId}`);
  const specs = input.TagSpecifications ?? [];
  const out = await ec2.send(new CreateImageCommand({ ...input, TagSpecifications: specs.filter((s) => s.ResourceType !== 'snapshot') }));
  const snapshotTags = specs.filter((s) => s.ResourceType === 'snapshot').flatMap((s) => s.Tags ?? []);
  if (snapshotTags.length > 0) {
    const image = (await ec2.send(new DescribeImagesCommand({ ImageIds: [out.ImageId as string] }))).Images?.[0];
    const snapshots = (image?.BlockDeviceMappings ?? []).map((m) => m.Ebs?.SnapshotId).filter((id): id is string => Boolean(id));
    if (snapshots.length > 0) await ec2.send(new CreateTagsCommand({ Resources: snapshots, Tags: snapshotTags }));
  }
  return { ImageId: out.ImageId, $metadata: {} };
}
