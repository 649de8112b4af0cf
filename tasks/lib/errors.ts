/**
 * One error taxonomy for handlers and state machines. Each class sets `name` to
 * the string the state machine's ErrorEquals uses, so both sides import from here.
 */
export const ErrorNames = {
  invalidInput: 'InvalidInputError',
  preconditionFailed: 'PreconditionFailedError',
  resourceNotFound: 'ResourceNotFoundError',
  verificationFailed: 'VerificationFailedError',
  pollBudgetExceeded: 'PollBudgetExceededError',
  remediationRolledBack: 'RemediationRolledBack',
  rollbackFailed: 'RollbackFailedError',
  resourceLocked: 'ResourceLockedError',
  answerLost: 'AnswerLostError',
  instanceChanged: 'InstanceChangedError',
  planChanged: 'PlanChangedError',
  instanceNotRestarted: 'InstanceNotRestartedError',
  // The approval gate's contract name (DESIGN.md "Outcomes"), older than the Error suffix.
  approvalRejected: 'ApprovalRejected',
} as const;

/** AWS throttling and service errors: retried by the state machine with backoff and full jitter. */
export const TRANSIENT_ERRORS = [
  'RequestLimitExceeded',
  'Throttling',
  'ThrottlingException',
  // Throttling as other services and SDK clients name it (SNS, S3, Route 53-style, the generic REST one).
  'TooManyRequestsException',
  'ThrottledException',
  'Throttled',
  'SlowDown',
  'RequestThrottled',
  'EC2ThrottledException',
  'PriorRequestNotComplete',
  'InternalError',
  'InternalFailure',
  'ServiceUnavailable',
  'Unavailable',
  // EBS direct APIs and KMS name theirs differently.
  'RequestThrottledException',
  'InternalServerException',
  'ConcurrentLimitExceededException',
  'KMSInternalException',
  'DependencyTimeoutException',
  // DynamoDB (the lock): a hot key or a burst beyond an on-demand table's capacity, and its own internal error.
  'ProvisionedThroughputExceededException',
  'InternalServerError',
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  // A create sent once got no answer (timeout, dropped connection): retried, and the retry looks it up by tag first.
  ErrorNames.answerLost,
] as const;

/**
 * EC2 could not start the instance for lack of capacity (in the AZ, of the account's limits, or of the type
 * in the AZ): retried at the final start with a long backoff, never a reason to undo a verified swap.
 */
export const CAPACITY_ERRORS = ['InsufficientInstanceCapacity', 'InstanceLimitExceeded', 'Unsupported'] as const;

/**
 * EC2's answers for a resource id that names nothing (any more): the lock steps treat them alike, whatever
 * the resource a workflow locks (instance, volume, snapshot, security group, NACL, VPC, subnet, ENI, image).
 */
export const EC2_NOT_FOUND_ERRORS = [
  'InvalidInstanceID.NotFound', 'InvalidVolume.NotFound', 'InvalidSnapshot.NotFound', 'InvalidGroup.NotFound',
  'InvalidNetworkAclID.NotFound', 'InvalidVpcID.NotFound', 'InvalidSubnetID.NotFound', 'InvalidNetworkInterfaceID.NotFound',
  'InvalidAMIID.NotFound',
] as const;

export const isEc2NotFound = (error: unknown): boolean => (EC2_NOT_FOUND_ERRORS as readonly string[]).includes(awsErrorName(error) ?? '');

/** A volume or instance is briefly busy (an attach/detach still settling): retried while putting originals back. */
export const BUSY_ERRORS = ['IncorrectState', 'VolumeInUse'] as const;

/** Never retried; caught into rollback where something was already changed. */
export const PERMANENT_ERRORS = [
  ErrorNames.invalidInput,
  ErrorNames.preconditionFailed,
  ErrorNames.resourceNotFound,
  ErrorNames.verificationFailed,
  ErrorNames.pollBudgetExceeded,
  ErrorNames.resourceLocked,
  ErrorNames.instanceChanged,
  ErrorNames.planChanged,
] as const;

export class InvalidInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = ErrorNames.invalidInput;
  }
}

export class PreconditionFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = ErrorNames.preconditionFailed;
  }
}

export class ResourceNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = ErrorNames.resourceNotFound;
  }
}

export class VerificationFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = ErrorNames.verificationFailed;
  }
}

export class PollBudgetExceededError extends Error {
  constructor(message: string) {
    super(message);
    this.name = ErrorNames.pollBudgetExceeded;
  }
}

/** Another execution holds the lock on the target: this one ends before any change. */
export class ResourceLockedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = ErrorNames.resourceLocked;
  }
}

/** A create call got no answer from AWS, so it may have taken effect: transient, and the retry finds it by tag. */
export class AnswerLostError extends Error {
  constructor(message: string) {
    super(message);
    this.name = ErrorNames.answerLost;
  }
}

/** Someone changed the instance during the run (started it, excluded it, moved a volume): no further change is made. */
export class InstanceChangedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = ErrorNames.instanceChanged;
  }
}

/** The plan made again after the approval differs from the approved one: nothing was changed. */
export class PlanChangedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = ErrorNames.planChanged;
  }
}

/** A verified swap is kept, but the instance could not be started again: it is left stopped. */
export class InstanceNotRestartedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = ErrorNames.instanceNotRestarted;
  }
}

/** The approval answer does not let the execution proceed (no valid identity proof, the requester approving): nothing was changed. */
export class ApprovalRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = ErrorNames.approvalRejected;
  }
}

/** The SDK's error name (`RequestLimitExceeded`, `InvalidVolume.NotFound`, ...), if any. */
export function awsErrorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}
