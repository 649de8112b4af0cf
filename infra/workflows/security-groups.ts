/** restrict-security-groups and restore-security-groups, registered together (one line in index.ts). */
export { restrictSecurityGroupsSpec } from './restrict-security-groups';
export { restoreSecurityGroupsSpec } from './restore-security-groups';
