export const WORKFLOW_ENABLE_CLOUDTRAIL = 'enable-cloudtrail';
