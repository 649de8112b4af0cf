"""moto_server with one workaround: a resource's EC2 tags read by its id instead of by a scan of every tag.

Upstream behaviour (moto 5.x, moto/ec2/models/core.py TaggedEC2Resource.get_tags): each resource's tags are read with
``describe_tags(filters={"resource-id": [id]})``, which compiles a pattern and walks every tag of every resource in the
region. Every tag filter (``tag:Name``), and every resource a Describe* answers (its tag set), pays that walk, so a
call's cost grows with the account and a fleet run with the square of the fleet: at 400 instances a tag-filtered
DescribeVolumes took 6 s. Here get_tags reads ``ec2_backend.tags[id]``, the same dict describe_tags walks, and returns
the same entries in the same order (an EC2 id holds no pattern characters, so the exact-id pattern matched that one id).
How to tell it is fixed upstream: TaggedEC2Resource.get_tags no longer calls describe_tags; then start moto_server itself.
Usage: python3 moto_indexed_tags.py [moto_server arguments]
"""
import sys

from moto.ec2.models.core import TaggedEC2Resource
from moto.ec2.utils import EC2_PREFIX_TO_RESOURCE, get_prefix
from moto.server import main


def get_tags(self):  # type: ignore[no-untyped-def]
    resource_id = getattr(self, "id", None)
    if not resource_id:
        return []
    tags = self.ec2_backend.tags.get(resource_id)  # .get: the backend's defaultdict must not grow an entry
    if not tags:
        return []
    resource_type = EC2_PREFIX_TO_RESOURCE.get(get_prefix(resource_id), "")
    return [{"resource_id": resource_id, "key": key, "value": value, "resource_type": resource_type} for key, value in tags.items()]


TaggedEC2Resource.get_tags = get_tags

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
