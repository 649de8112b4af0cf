// What the kit gives the lock functions; imported first so handlers read it at load, as in Lambda.
export const LOCK_TABLE = 'stack-locks';
process.env.LOCK_TABLE_NAME = LOCK_TABLE;

export const ACCOUNT = '111122223333';
export const arnOf = (machine: string, name: string) => `arn:aws:states:us-east-1:${ACCOUNT}:execution:remediation-${machine}:${name}`;
export const MINE = { name: 'encrypt-volumes-i-0123456789abcdef0-20260301T120000Z' };
export const MINE_ARN = arnOf('encrypt-volumes', MINE.name);
export const OTHER_NAME = 'encrypt-volumes-i-0123456789abcdef0-20260301T110000Z';
export const OTHER_ARN = arnOf('encrypt-volumes', OTHER_NAME);
