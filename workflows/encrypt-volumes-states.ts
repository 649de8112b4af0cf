/**
 * encrypt-volumes' task names, state names and poll-state paths: shared by its definition
 * (workflows/encrypt-volumes.ts), its rollback (workflows/encrypt-volumes-rollback.ts) and the tests.
 */
import { SkeletonStates } from './lib/skeleton';

/** One Lambda per task; several states may share one (e.g. the instance-state checks). */
export const ENCRYPT_VOLUMES_TASKS = [
  'validate-input', 'preflight', 'create-snapshot', 'copy-snapshot', 'check-snapshots', 'stop-instance',
  'check-instance-state', 'create-volume', 'check-volumes', 'swap-volume', 'verify-swap', 'start-instance',
  'cleanup-created', 'build-report', 'rollback-volume', 'finish-rollback', 'request-approval', 'verify-approver',
  'recheck-instance', 'check-instance-settled',
  'copy-volume', 'volume-initialization',
  'compare-blocks',
] as const;
export type EncryptVolumesTask = (typeof ENCRYPT_VOLUMES_TASKS)[number];

export const States = {
  validateInput: SkeletonStates.validateInput,
  settleInstance: SkeletonStates.settleInstance, checkInstanceSettled: SkeletonStates.checkInstanceSettled,
  routeInstanceSettled: SkeletonStates.routeInstanceSettled, waitInstanceSettled: SkeletonStates.waitInstanceSettled,
  preflight: SkeletonStates.preflight,
  initWork: SkeletonStates.initWork,
  routeByPlan: SkeletonStates.routeByPlan,
  requestApproval: SkeletonStates.requestApproval, requestApprovalRejected: 'RequestApprovalRejected', requestApprovalUnanswered: 'RequestApprovalUnanswered',
  requestApprovalAnswered: 'RequestApprovalAnswered', requestApprovalNotApproved: 'RequestApprovalNotApproved',
  preflightAfterApproval: SkeletonStates.preflightAfterApproval, comparePlansAfterApproval: SkeletonStates.comparePlansAfterApproval,
  requestApprovalVerifyApprover: 'RequestApprovalVerifyApprover',
  routeByInstanceState: 'RouteByInstanceState',
  preCopySnapshots: 'PreCopySnapshots', createPreCopySnapshot: 'CreatePreCopySnapshot',
  checkPreCopySnapshots: 'CheckPreCopySnapshots', routePreCopySnapshots: 'RoutePreCopySnapshots', waitPreCopySnapshots: 'WaitPreCopySnapshots',
  preCopyEncrypt: 'PreCopyEncrypt', copyPreCopySnapshot: 'CopyPreCopySnapshot',
  checkPreCopyEncrypt: 'CheckPreCopyEncrypt', routePreCopyEncrypt: 'RoutePreCopyEncrypt', waitPreCopyEncrypt: 'WaitPreCopyEncrypt',
  stopInstance: 'StopInstance',
  checkInstanceStopped: 'CheckInstanceStopped', routeInstanceStopped: 'RouteInstanceStopped', waitInstanceStopped: 'WaitInstanceStopped',
  recheckBeforeFinalSnapshots: 'RecheckBeforeFinalSnapshots',
  finalSnapshots: 'FinalSnapshots', createFinalSnapshot: 'CreateFinalSnapshot',
  checkFinalSnapshots: 'CheckFinalSnapshots', routeFinalSnapshots: 'RouteFinalSnapshots', waitFinalSnapshots: 'WaitFinalSnapshots',
  finalEncrypt: 'FinalEncrypt', copyFinalSnapshot: 'CopyFinalSnapshot',
  checkFinalEncrypt: 'CheckFinalEncrypt', routeFinalEncrypt: 'RouteFinalEncrypt', waitFinalEncrypt: 'WaitFinalEncrypt',
  createVolumes: 'CreateVolumes', createEncryptedVolume: 'CreateEncryptedVolume',
  checkVolumes: 'CheckVolumes', routeVolumes: 'RouteVolumes', waitVolumes: 'WaitVolumes',
  swapVolumes: 'SwapVolumes', swapVolume: 'SwapVolume', routeSwap: 'RouteSwap', waitSwap: 'WaitSwap', volumeSwapped: 'VolumeSwapped',
  verifySwap: 'VerifySwap',
  // volume-copy (workflows/encrypt-volumes-volume-copy.ts)
  routeStrategyBeforeStop: 'RouteStrategyBeforeStop', routeStrategyAfterStop: 'RouteStrategyAfterStop',
  copyVolumes: 'CopyVolumes', copyVolume: 'CopyVolume', routeAfterSwap: 'RouteAfterSwap', readVolumeInitialization: 'ReadVolumeInitialization',
  routeAfterRelease: 'RouteAfterRelease', waitVolumeInitialization: 'WaitVolumeInitialization',
  checkVolumeInitialization: 'CheckVolumeInitialization', routeVolumeInitialization: 'RouteVolumeInitialization',
  // Block comparisons of the copy strategy (workflows/encrypt-volumes-block-compare.ts)
  comparePreCopyBlocks: 'ComparePreCopyBlocks', comparePreCopyPair: 'ComparePreCopyPair', routePreCopyPair: 'RoutePreCopyPair', preCopyPairCompared: 'PreCopyPairCompared',
  compareFinalBlocks: 'CompareFinalBlocks', compareFinalPair: 'CompareFinalPair', routeFinalPair: 'RouteFinalPair', finalPairCompared: 'FinalPairCompared',
  routeAfterVerify: 'RouteAfterVerify',
  startInstance: 'StartInstance',
  checkInstanceStarted: 'CheckInstanceStarted', routeInstanceStarted: 'RouteInstanceStarted', waitInstanceStarted: 'WaitInstanceStarted',
  instanceStartFailed: 'InstanceStartFailed',
  cleanupCreated: 'CleanupCreated', routeCleanupCreated: 'RouteCleanupCreated', waitCleanupCreated: 'WaitCleanupCreated',
  routeAfterCleanup: 'RouteAfterCleanup',
  buildNotRestartedReport: 'BuildNotRestartedReport', describeNotRestarted: 'DescribeNotRestarted', instanceNotRestarted: 'InstanceNotRestarted',
  buildReport: SkeletonStates.buildReport,
  done: SkeletonStates.done,
  rollbackVolumes: 'RollbackVolumes', rollbackVolume: 'RollbackVolume', routeRollbackVolume: 'RouteRollbackVolume',
  waitRollbackVolume: 'WaitRollbackVolume', volumeRestored: 'VolumeRestored', rollbackVolumeFailed: 'RollbackVolumeFailed',
  routeRollbackRestart: 'RouteRollbackRestart',
  restartAfterRollback: 'RestartAfterRollback', routeRestartAfterRollback: 'RouteRestartAfterRollback',
  checkRestartedAfterRollback: 'CheckRestartedAfterRollback', routeRestartedAfterRollback: 'RouteRestartedAfterRollback',
  waitRestartedAfterRollback: 'WaitRestartedAfterRollback',
  cleanupAfterRollback: 'CleanupAfterRollback', routeCleanupAfterRollback: 'RouteCleanupAfterRollback', waitCleanupAfterRollback: 'WaitCleanupAfterRollback',
  finishRollback: 'FinishRollback',
  routeRollbackOutcome: 'RouteRollbackOutcome',
  rolledBack: 'RolledBack',
  rollbackIncomplete: 'RollbackIncomplete',
  rollbackFailed: 'RollbackFailed',
} as const;

/** Where each poll loop keeps its state, initialised by InitWork so every path exists. */
export const POLLS = ['preCopySnapshots', 'preCopyEncrypt', 'stopped', 'finalSnapshots', 'finalEncrypt', 'volumes', 'started', 'restarted'] as const;
export type PollKey = (typeof POLLS)[number];
export const poll = (key: PollKey) => `$.work.polls.${key}`;
