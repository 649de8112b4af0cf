import { createEc2Client } from '../lib/clients/ec2';
import { logger } from '../lib/logger';
import { DATA_PROFILE, advancePoll, type PollObservation } from '../lib/polling';
import { describeImagesById } from './lib/freshness';
import type { CreatedImage, ImagePoll } from './lib/types';

const ec2 = createEc2Client();

export interface CheckImageEvent {
  image: CreatedImage;
  /** The planned volumes' total size: the poll budget grows with it. */
  workGiB: number;
  poll?: ImagePoll;
}

/** EC2 image states that will never become `available`. */
const FAILED = new Set(['failed', 'error', 'invalid', 'deregistered', 'disabled']);

/**
 * One poll of the image: `pending` (wait again, intervals doubling, budget by size), `completed` once
 * available, `error` when it failed (with EC2's reason) or vanished after the first polls. The budget running
 * out throws PollBudgetExceededError: both lead to the cleanup of the image and its snapshots.
 */
export const handler = async ({ image, workGiB, poll }: CheckImageEvent): Promise<ImagePoll> => {
  const found = (await describeImagesById(ec2, [image.imageId])).get(image.imageId);
  const state = found?.State ?? (poll && poll.count >= 3 ? 'missing' : 'not-yet-visible');
  let observation: PollObservation;
  if (state === 'available') observation = { status: 'completed' };
  else if (FAILED.has(state) || state === 'missing') {
    const reason = found?.StateReason?.Message ?? (state === 'missing' ? 'the image is no longer there' : 'no reason given');
    observation = { status: 'error', error: { Error: 'ImageFailed', Cause: `${image.imageId} is ${state}: ${reason}` } };
  } else observation = { status: 'pending' };
  const next = advancePoll(poll, observation, DATA_PROFILE, workGiB, `image ${image.imageId}`);
  logger.info('image polled', { imageId: image.imageId, state, count: next.count });
  return { ...next, imageState: state };
};
