"""moto's time per EC2 call against the size of the account, with and without local/moto_indexed_tags.py.

The fleet simulation's profile (README "Throttling", Fleet simulation): N instances, each with 3 volumes and 2
snapshots carrying the tags our tasks filter on, then the Describe* calls our tasks make, timed in-process (no HTTP).
Usage: python3 bench/moto-tags-profile.py <instances> [--indexed-tags]
"""
import os
import sys
import time

os.environ.setdefault("MOTO_AMIS_PATH", os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "moto-amis.json"))
for name, value in (("AWS_DEFAULT_REGION", "us-east-1"), ("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing")):
    os.environ.setdefault(name, value)

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402

if "--indexed-tags" in sys.argv:
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "local"))
    import moto_indexed_tags  # noqa: E402,F401  (patches TaggedEC2Resource.get_tags on import)

N = int(sys.argv[1])
TAG = "remediation:execution"


def timed(label, call, repeat=20):
    started = time.perf_counter()
    for _ in range(repeat):
        call()
    print(f"  {label:45s} {1000 * (time.perf_counter() - started) / repeat:8.1f} ms")


with mock_aws():
    ec2 = boto3.client("ec2")
    instances, volumes, snapshots = [], [], []
    started = time.perf_counter()
    for i in range(N):
        tags = [{"Key": "Name", "Value": f"fleet-{i}"}]
        run = ec2.run_instances(ImageId="ami-12c6146b", InstanceType="t3.micro", MinCount=1, MaxCount=1,
                                TagSpecifications=[{"ResourceType": "instance", "Tags": tags}])
        instances.append(run["Instances"][0]["InstanceId"])
        for _ in range(3):
            volume = ec2.create_volume(AvailabilityZone="us-east-1a", Size=10,
                                       TagSpecifications=[{"ResourceType": "volume", "Tags": [{"Key": TAG, "Value": f"e{i}"}]}])
            volumes.append(volume["VolumeId"])
        for _ in range(2):
            snapshot = ec2.create_snapshot(VolumeId=volumes[-1], TagSpecifications=[{"ResourceType": "snapshot", "Tags": [{"Key": TAG, "Value": f"e{i}"}]}])
            snapshots.append(snapshot["SnapshotId"])
    print(f"{N} instances, {len(volumes)} volumes, {len(snapshots)} snapshots seeded in {time.perf_counter() - started:.1f} s"
          f"{' (indexed tags)' if '--indexed-tags' in sys.argv else ''}; ms per call:")
    timed("DescribeSnapshots by id", lambda: ec2.describe_snapshots(SnapshotIds=[snapshots[N // 2]]))
    timed("DescribeSnapshots self + tag filter", lambda: ec2.describe_snapshots(OwnerIds=["self"], Filters=[{"Name": f"tag:{TAG}", "Values": ["e3"]}]))
    timed("DescribeVolumes by id", lambda: ec2.describe_volumes(VolumeIds=[volumes[N // 2]]))
    timed("DescribeVolumes tag filter", lambda: ec2.describe_volumes(Filters=[{"Name": f"tag:{TAG}", "Values": ["e3"]}]))
    timed("DescribeVolumes attachment.instance-id filter", lambda: ec2.describe_volumes(Filters=[{"Name": "attachment.instance-id", "Values": [instances[3]]}]))
    timed("DescribeInstances by id", lambda: ec2.describe_instances(InstanceIds=[instances[N // 2]]))
    timed("DescribeInstances tag filter", lambda: ec2.describe_instances(Filters=[{"Name": "tag:Name", "Values": ["fleet-3"]}]))
    timed("CreateTags", lambda: ec2.create_tags(Resources=[volumes[5]], Tags=[{"Key": "a", "Value": "b"}]))
