import { publicKeyBody } from './openssh';
import { OS_USER_PATTERN } from './schema';

/** The SSM document the workflow runs (and the only one its role may): a shell script as root on a Linux instance. */
export const RUN_SHELL_SCRIPT = 'AWS-RunShellScript';

export type KeyCommandKind = 'rotate' | 'verify' | 'restore';

export interface KeyCommandInput {
  osUser: string;
  /** The execution: names the backup, so a retry of the same run keeps the first backup. */
  executionName: string;
  newPublicKey: string;
  /** The old key pair's public key line (DescribeKeyPairs IncludePublicKey). */
  oldPublicKey: string;
  newKeyName: string;
}

/** Exit codes the scripts end with when something is not as the plan assumed; the check task reports them. */
export const SCRIPT_EXIT = { noUser: 3, noAuthorizedKeys: 4, newKeyMissing: 10, oldKeyPresent: 11 } as const;

const SAFE_NAME = /^[A-Za-z0-9._-]{1,255}$/;

/** Everything a script quotes is checked here: a user name, an execution name, a key name and two base64 bodies. */
function quoted(input: KeyCommandInput): { user: string; backup: string; newBody: string; oldBody: string; newLine: string } {
  if (!OS_USER_PATTERN.test(input.osUser)) throw new Error(`unsafe user name ${input.osUser}`);
  if (!SAFE_NAME.test(input.executionName) || !SAFE_NAME.test(input.newKeyName)) throw new Error('unsafe execution or key name');
  const newBody = publicKeyBody(input.newPublicKey);
  const type = input.newPublicKey.trim().split(/\s+/)[0] as string;
  return { user: input.osUser, backup: `authorized_keys.remediation-${input.executionName}`, newBody, oldBody: publicKeyBody(input.oldPublicKey), newLine: `${type} ${newBody} ${input.newKeyName}` };
}

const prologue = (user: string) => [
  'set -eu',
  `home=$(getent passwd '${user}' | cut -d: -f6)`,
  `[ -n "$home" ] || { echo "no user ${user} on this instance" >&2; exit ${SCRIPT_EXIT.noUser}; }`,
  'keys="$home/.ssh/authorized_keys"',
];

/**
 * The shell script each command runs (AWS-RunShellScript, as root). Each is idempotent, so a resend after a lost
 * answer changes nothing more:
 * - rotate: back up authorized_keys once per execution (cp -p keeps owner and mode), drop every line holding the old
 *   key's body (whatever its options or comment), append the new key unless present; the file is rewritten in place
 *   (`cat >`), so its owner, mode and SELinux label stay;
 * - verify: read-only; fails unless the new key is present and the old one absent;
 * - restore: puts the backup back if there is one (no backup: rotate changed nothing).
 */
export function keyCommandScript(kind: KeyCommandKind, input: KeyCommandInput): string[] {
  const q = quoted(input);
  const backup = `"$home/.ssh/${q.backup}"`;
  switch (kind) {
    case 'rotate': return [
      ...prologue(q.user),
      `[ -f "$keys" ] || { echo "no $keys" >&2; exit ${SCRIPT_EXIT.noAuthorizedKeys}; }`,
      `[ -f ${backup} ] || cp -p "$keys" ${backup}`,
      'tmp=$(mktemp "$keys.XXXXXX")',
      `grep -v -F -- '${q.oldBody}' "$keys" > "$tmp" || true`,
      `grep -q -F -- '${q.newBody}' "$tmp" || printf '%s\\n' '${q.newLine}' >> "$tmp"`,
      'cat "$tmp" > "$keys"',
      'rm -f "$tmp"',
      `echo "rotated: backup ${q.backup}"`,
    ];
    case 'verify': return [
      ...prologue(q.user),
      `grep -q -F -- '${q.newBody}' "$keys" || { echo "new key missing from $keys" >&2; exit ${SCRIPT_EXIT.newKeyMissing}; }`,
      `if grep -q -F -- '${q.oldBody}' "$keys"; then echo "old key still in $keys" >&2; exit ${SCRIPT_EXIT.oldKeyPresent}; fi`,
      'echo "verified: new key present, old key absent"',
    ];
    case 'restore': return [
      ...prologue(q.user),
      `if [ -f ${backup} ]; then cat ${backup} > "$keys"; echo "restored from ${q.backup}"; else echo "no backup: nothing was changed"; fi`,
    ];
  }
}
