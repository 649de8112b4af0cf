import {
  type ConfigServiceClient, type ConfigurationRecorder, type DeliveryChannel, type RecordingMode,
  DescribeConfigurationRecorderStatusCommand, DescribeConfigurationRecordersCommand,
  DescribeDeliveryChannelStatusCommand, DescribeDeliveryChannelsCommand,
} from '@aws-sdk/client-config-service';
import { PreconditionFailedError, awsErrorName } from '../lib/errors';
import type { EnableConfigRequest } from './schema';

/** AWS Config's service-linked role: the recorder's role in every region. */
export const SERVICE_LINKED_ROLE_NAME = 'AWSServiceRoleForConfig';
export const CONFIG_SERVICE = 'config.amazonaws.com';
const SLR_ARN = new RegExp(`:role/aws-service-role/config\\.amazonaws\\.com/${SERVICE_LINKED_ROLE_NAME}$`);
/** Names used when the region has no recorder or channel yet; existing names are always reused. */
export const DEFAULT_NAME = 'default';

export interface RecorderSettings {
  name: string;
  roleARN?: string;
  allSupported: boolean;
  includeGlobalResourceTypes: boolean;
  resourceTypes?: string[];
  /** Continuous or daily recording: not ours to decide, so apply keeps what the recorder has. */
  recordingMode?: RecordingMode;
}

export interface ChannelSettings {
  name: string;
  s3BucketName?: string;
  s3KeyPrefix?: string;
  s3KmsKeyArn?: string;
  snsTopicARN?: string;
  deliveryFrequency: string;
}

/** Config reports `Failure` (the API's enum; moto answers `FAILURE`): compared without case. */
export const isFailure = (lastStatus: string | undefined): boolean => lastStatus?.toUpperCase() === 'FAILURE';

export interface RecorderStatus {
  recording: boolean;
  lastStatus?: string;
  lastErrorCode?: string;
  lastErrorMessage?: string;
  lastStatusChangeTime?: string;
}

/** The region's customer-managed recorder and delivery channel as Config reports them. */
export interface ConfigState {
  recorder?: RecorderSettings;
  status?: RecorderStatus;
  channel?: ChannelSettings;
  deliveryStatus?: string;
  /** The channel's last failed delivery (configuration history or snapshot), if its last attempt failed. */
  deliveryFailure?: { errorCode?: string; errorMessage?: string; at?: string };
}

/** Config reports `Success` (the API's enum; moto answers `SUCCESS`): compared without case. */
export const isSuccess = (lastStatus: string | undefined): boolean => lastStatus?.toUpperCase() === 'SUCCESS';

const toRecorder = (r: ConfigurationRecorder): RecorderSettings => ({
  name: r.name as string,
  ...(r.roleARN ? { roleARN: r.roleARN } : {}),
  allSupported: r.recordingGroup?.allSupported ?? true,
  includeGlobalResourceTypes: r.recordingGroup?.includeGlobalResourceTypes ?? false,
  ...(r.recordingGroup?.resourceTypes?.length ? { resourceTypes: r.recordingGroup.resourceTypes } : {}),
  ...(r.recordingMode ? { recordingMode: r.recordingMode } : {}),
});

const toChannel = (c: DeliveryChannel): ChannelSettings => ({
  name: c.name as string,
  ...(c.s3BucketName ? { s3BucketName: c.s3BucketName } : {}),
  ...(c.s3KeyPrefix ? { s3KeyPrefix: c.s3KeyPrefix } : {}),
  ...(c.s3KmsKeyArn ? { s3KmsKeyArn: c.s3KmsKeyArn } : {}),
  ...(c.snsTopicARN ? { snsTopicARN: c.snsTopicARN } : {}),
  // Config delivers daily when no frequency was ever set.
  deliveryFrequency: c.configSnapshotDeliveryProperties?.deliveryFrequency ?? 'TwentyFour_Hours',
});

/** Reads recorder, its status, channel and the channel's last delivery status. */
export async function readConfigState(config: ConfigServiceClient): Promise<ConfigState> {
  const recorders = (await config.send(new DescribeConfigurationRecordersCommand({}))).ConfigurationRecorders ?? [];
  // Service-linked recorders (owned by other AWS services) are not the region's recorder.
  const recorder = recorders.find((r) => !r.servicePrincipal);
  const channel = (await config.send(new DescribeDeliveryChannelsCommand({}))).DeliveryChannels?.[0];
  const state: ConfigState = {};
  if (recorder?.name) {
    state.recorder = toRecorder(recorder);
    const statuses = await config.send(new DescribeConfigurationRecorderStatusCommand({ ConfigurationRecorderNames: [recorder.name] }));
    const status = statuses.ConfigurationRecordersStatus?.find((s) => s.name === recorder.name);
    if (status) {
      state.status = {
        recording: status.recording ?? false,
        ...(status.lastStatus ? { lastStatus: status.lastStatus } : {}),
        ...(status.lastErrorCode ? { lastErrorCode: status.lastErrorCode } : {}),
        ...(status.lastErrorMessage ? { lastErrorMessage: status.lastErrorMessage } : {}),
        ...(status.lastStatusChangeTime ? { lastStatusChangeTime: new Date(status.lastStatusChangeTime).toISOString() } : {}),
      };
    }
  }
  if (channel?.name) {
    state.channel = toChannel(channel);
    const out = await config.send(new DescribeDeliveryChannelStatusCommand({ DeliveryChannelNames: [channel.name] }));
    const channelStatus = out.DeliveryChannelsStatus?.[0];
    const delivery = channelStatus?.configHistoryDeliveryInfo?.lastStatus;
    if (delivery) state.deliveryStatus = delivery;
    const failed = [channelStatus?.configHistoryDeliveryInfo, channelStatus?.configSnapshotDeliveryInfo].find((info) => isFailure(info?.lastStatus));
    if (failed) {
      state.deliveryFailure = {
        ...(failed.lastErrorCode ? { errorCode: failed.lastErrorCode } : {}),
        ...(failed.lastErrorMessage ? { errorMessage: failed.lastErrorMessage } : {}),
        ...(failed.lastAttemptTime ? { at: new Date(failed.lastAttemptTime).toISOString() } : {}),
      };
    }
  }
  return state;
}

export interface DesiredSettings {
  recorder: RecorderSettings;
  channel: ChannelSettings;
}

/** What the region should have: existing names reused, global types recorded only in the home region. */
export function desiredSettings(request: EnableConfigRequest, region: string, state: ConfigState, bucket: string): DesiredSettings {
  return {
    recorder: {
      name: state.recorder?.name ?? DEFAULT_NAME,
      allSupported: true,
      includeGlobalResourceTypes: request.homeRegion === region,
      // PutConfigurationRecorder replaces the whole recorder: carry over what we do not manage.
      ...(state.recorder?.recordingMode ? { recordingMode: state.recorder.recordingMode } : {}),
    },
    channel: {
      name: state.channel?.name ?? DEFAULT_NAME,
      s3BucketName: bucket,
      ...(request.snsTopicArn ? { snsTopicARN: request.snsTopicArn } : {}),
      deliveryFrequency: request.deliveryFrequency,
    },
  };
}

const shown = (value: unknown): string => (value === undefined ? '(none)' : JSON.stringify(value));

/** Each setting of an existing recorder or channel that differs from `desired`, as `what: now → wanted`. */
export function differences(state: ConfigState, desired: DesiredSettings): string[] {
  const found: string[] = [];
  const { recorder, channel } = state;
  if (recorder) {
    const at = `recorder ${recorder.name}`;
    if (!recorder.roleARN || !SLR_ARN.test(recorder.roleARN)) found.push(`${at} roleARN: ${shown(recorder.roleARN)} → the service-linked role ${SERVICE_LINKED_ROLE_NAME}`);
    if (!recorder.allSupported) found.push(`${at} allSupported: false (records ${shown(recorder.resourceTypes ?? [])}) → true`);
    if (recorder.includeGlobalResourceTypes !== desired.recorder.includeGlobalResourceTypes) {
      found.push(`${at} includeGlobalResourceTypes: ${recorder.includeGlobalResourceTypes} → ${desired.recorder.includeGlobalResourceTypes}`);
    }
  }
  if (channel) {
    const at = `delivery channel ${channel.name}`;
    const wanted = desired.channel;
    for (const key of ['s3BucketName', 's3KeyPrefix', 's3KmsKeyArn', 'snsTopicARN', 'deliveryFrequency'] as const) {
      if (channel[key] !== wanted[key]) found.push(`${at} ${key}: ${shown(channel[key])} → ${shown(wanted[key])}`);
    }
  }
  return found;
}

const ACCESS_DENIED = ['AccessDenied', 'AccessDeniedException', 'InsufficientPermissionsException', 'UnauthorizedOperation'];

/** Config's refusals as permanent failures that say what to do; anything else (transient errors included) as it was. */
export function explainConfigError(error: unknown, what: string, bucket?: string): unknown {
  const name = awsErrorName(error);
  const message = error instanceof Error ? error.message : String(error);
  if (name === 'MaxNumberOfConfigurationRecordersExceededException') {
    return new PreconditionFailedError(`${what}: the region already has a configuration recorder (one per region): ${message}; run again to reuse it`);
  }
  if (name === 'MaxNumberOfDeliveryChannelsExceededException') {
    return new PreconditionFailedError(`${what}: the region already has a delivery channel (one per region): ${message}; run again to reuse it`);
  }
  if (name === 'NoSuchBucketException') {
    return new PreconditionFailedError(`${what}: bucket ${bucket ?? '(unknown)'} does not exist (was the stack's bucket deleted?): ${message}`);
  }
  if (name === 'InsufficientDeliveryPolicyException') {
    return new PreconditionFailedError(`${what}: the policy of bucket ${bucket ?? '(unknown)'} does not let AWS Config deliver to it: ${message}`);
  }
  if (name && ACCESS_DENIED.includes(name)) {
    return new PreconditionFailedError(`${what}: access denied (${name}): ${message}; check the task role and any SCP or permissions boundary`);
  }
  return error;
}
