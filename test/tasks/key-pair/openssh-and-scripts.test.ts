import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateSshKey, publicKeyBody, sha256Fingerprint } from '../../../tasks/key-pair/lib/openssh';
import { keyCommandScript, SCRIPT_EXIT, type KeyCommandInput } from '../../../tasks/key-pair/lib/scripts';
import { EXECUTION, NEW_KEY, NEW_NAME, OLD_KEY } from './fixtures';

const sshKeygen = (...args: string[]) => spawnSync('ssh-keygen', args, { encoding: 'utf8' });

describe('generateSshKey', () => {
  it('makes an OpenSSH public key and an OpenSSH private key file that ssh-keygen reads as one pair', () => {
    // Act
    const key = generateSshKey('ops-rotated');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kp-'));
    try {
      writeFileSync(path.join(dir, 'id'), key.privateKeyPem, { mode: 0o600 });
      writeFileSync(path.join(dir, 'id.pub'), `${key.publicKey}\n`);
      // Assess: ssh-keygen derives the same public key from the private one (comment included), and reads it as ED25519.
      expect(sshKeygen('-y', '-f', path.join(dir, 'id')).stdout.trim()).toBe(`${key.publicKey} ops-rotated`);
      const listed = sshKeygen('-l', '-f', path.join(dir, 'id.pub')).stdout;
      expect(listed).toMatch(/^256 SHA256:\S+ no comment \(ED25519\)/);
      expect(listed).toContain(sha256Fingerprint(key.publicKey));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('publicKeyBody finds the key whatever its options and comment; refuses what is no key', () => {
    const body = publicKeyBody(OLD_KEY.publicKey);
    expect(publicKeyBody(`from="10.0.0.0/8",no-pty ${OLD_KEY.publicKey} alice@laptop`)).toBe(body);
    expect(() => publicKeyBody('not a key')).toThrow('not an OpenSSH public key line');
  });
});

describe('the authorized_keys scripts (run with bash against a home of their own)', () => {
  let dir: string;
  let keys: string;
  const input: KeyCommandInput = { osUser: 'ec2-user', executionName: EXECUTION.name, newPublicKey: NEW_KEY.publicKey, oldPublicKey: OLD_KEY.publicKey, newKeyName: NEW_NAME };
  const OTHER = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBKPc+37O5rTj0KHyacGl3bINRFyiRv4Dcs2mJECmnDq bob@laptop';
  const original = `${OTHER}\nno-pty ${OLD_KEY.publicKey} ops\n`;
  const bash = (kind: 'rotate' | 'verify' | 'restore', over: Partial<KeyCommandInput> = {}) =>
    spawnSync('bash', ['-c', keyCommandScript(kind, { ...input, ...over }).join('\n')], { encoding: 'utf8', env: { PATH: `${path.join(dir, 'bin')}:${process.env.PATH ?? ''}` } });

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kp-home-'));
    mkdirSync(path.join(dir, 'home', '.ssh'), { recursive: true });
    mkdirSync(path.join(dir, 'bin'));
    keys = path.join(dir, 'home', '.ssh', 'authorized_keys');
    writeFileSync(keys, original, { mode: 0o600 });
    writeFileSync(path.join(dir, 'bin', 'getent'), `#!/bin/sh\n[ "$2" = ec2-user ] && echo 'ec2-user:x:1000:1000::${dir}/home:/bin/bash' && exit 0\nexit 2\n`);
    chmodSync(path.join(dir, 'bin', 'getent'), 0o755);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('rotate keeps other keys, drops the old key (with its options), appends the new one, keeps the mode; again changes nothing', () => {
    const first = bash('rotate');
    expect(first.status).toBe(0);
    const after = readFileSync(keys, 'utf8');
    expect(after).toBe(`${OTHER}\n${NEW_KEY.publicKey} ${NEW_NAME}\n`);
    expect(statSync(keys).mode & 0o777).toBe(0o600);
    expect(bash('rotate').status).toBe(0);
    expect(readFileSync(keys, 'utf8')).toBe(after);
    // The backup is the file as it was before the first rotate, not the second.
    expect(readFileSync(`${keys}.remediation-${EXECUTION.name}`, 'utf8')).toBe(original);
  });

  it('verify fails before the rotation (old present, new missing) and passes after it, changing nothing', () => {
    expect(bash('verify').status).toBe(SCRIPT_EXIT.newKeyMissing);
    bash('rotate');
    const verified = bash('verify');
    expect(verified.status).toBe(0);
    expect(verified.stdout).toContain('verified');
    writeFileSync(keys, `${readFileSync(keys, 'utf8')}${OLD_KEY.publicKey}\n`);
    expect(bash('verify').status).toBe(SCRIPT_EXIT.oldKeyPresent);
  });

  it('restore puts the backup back; without a backup it changes nothing', () => {
    expect(bash('restore').stdout).toContain('nothing was changed');
    expect(readFileSync(keys, 'utf8')).toBe(original);
    bash('rotate');
    expect(bash('restore').status).toBe(0);
    expect(readFileSync(keys, 'utf8')).toBe(original);
  });

  it('a user the instance lacks, or no authorized_keys: a clear exit code, nothing changed', () => {
    expect(bash('rotate', { osUser: 'ubuntu' }).status).toBe(SCRIPT_EXIT.noUser);
    rmSync(keys);
    expect(bash('rotate').status).toBe(SCRIPT_EXIT.noAuthorizedKeys);
  });

  it('refuses to build a script around an unsafe user or key name', () => {
    expect(() => keyCommandScript('rotate', { ...input, osUser: "x'; rm -rf /" })).toThrow('unsafe user name');
    expect(() => keyCommandScript('rotate', { ...input, newKeyName: 'a b' })).toThrow('unsafe execution or key name');
  });
});
